// ringactor: the control block of a kernel actor, shared by the host and the
// kernel (pinned host memory mapped into the device on CUDA, plain memory on
// the CPU backend).
//
// Every field has one writer: the host writes the first cache line, the
// kernel the second; the H2K doorbell is split by role (see doorbell.hpp).
// Nobody ever writes the struct as a whole once it is shared. Fields are
// plain integers accessed only through dev:: atomics.
//
// State machine (written by the kernel):
//
//   launching --> active --> draining --> terminated
//                   |            |
//                   +------------+-----> faulted
//
// The initial `launching` is written by the host when it formats the block,
// before the kernel exists. A fault that the host detects (a stream error, a
// stalled heartbeat) is the host's knowledge and is kept host-side: the
// kernel may not be able to write anything any more.
//
// Device-facing header (docs/device-headers.md): a kernel may include it; it
// and all it includes compile under nvcc, with no fmt, iostream or threads.
#pragma once

#include <cstdint>

#include "ringactor/gpu/device.hpp"
#include "ringactor/gpu/doorbell.hpp"

namespace ringactor {

enum class kernel_state : std::uint32_t {
  launching = 0,  ///< the host formatted the block; the kernel has not started
  active = 1,     ///< the loop runs and accepts messages
  draining = 2,   ///< asked to drain: handles what is queued, then terminates
  terminated = 3, ///< the loop has exited normally
  faulted = 4,    ///< the kernel reported an error (see error_code) and exited
};

/// What the host asks of the loop.
enum class kernel_command : std::uint32_t {
  run = 0,       ///< keep handling messages
  drain = 1,     ///< handle every message already pushed, then terminate
  terminate = 2, ///< stop after the current message; queued ones stay unread
};

/// Errors the kernel side reports (control block error_code, error slots).
enum class kernel_error : std::uint32_t {
  none = 0,
  unknown_message = 1,   ///< a slot's type id names no input of the kernel
  malformed_message = 2, ///< a slot's payload size does not match its type
  handler_fault = 3,     ///< a handler called ctx.fault(); user code in detail
  reply_too_large = 4,   ///< a reply or host message does not fit a K2H slot
};

/// A one-line description of a kernel_error (for logs and error values).
constexpr const char* describe(kernel_error x) noexcept {
  switch (x) {
    case kernel_error::none: return "no error";
    case kernel_error::unknown_message:
      return "the kernel received a message type it does not accept";
    case kernel_error::malformed_message: return "a message's size does not match its type";
    case kernel_error::handler_fault: return "a kernel handler reported a fault";
    case kernel_error::reply_too_large: return "a reply does not fit a K2H ring slot";
  }
  return "unknown kernel error";
}

struct alignas(64) control_block {
  // -- written by the host ----------------------------------------------------

  /// A kernel_command. Stored with release by the host (request_drain,
  /// request_terminate), loaded with acquire by the loop: every message the
  /// host pushed before the command is visible to the loop that sees it.
  alignas(64) std::uint32_t command = 0;

  // -- written by the kernel --------------------------------------------------

  /// A kernel_state. Stored with release by the loop, loaded with acquire by
  /// the host, so everything the kernel did before a transition (replies,
  /// counters) is visible to a host that observes it.
  alignas(64) std::uint32_t state = 0;
  /// A kernel_error, or a user code from ctx.fault(); stored (relaxed) before
  /// the release store of state = faulted, which publishes it.
  std::uint32_t error_code = 0;
  /// With error_code == handler_fault: the code the handler passed to
  /// ctx.fault(). Stored and published like error_code.
  std::uint32_t fault_detail = 0;
  /// Messages handled. Stored with release after each message by the loop;
  /// the host's acquire load then sees the message's effects and replies.
  std::uint64_t messages_processed = 0;
  /// Advances at least every heartbeat interval while the loop runs, parked
  /// or busy; a handler that never returns stops it. Relaxed on both sides:
  /// it publishes nothing, the host only compares it with an older value.
  std::uint64_t heartbeat = 0;
  /// The H2K consumer cursor: messages taken from the H2K ring. Relaxed
  /// stores; the host reads it (relaxed) for ring depth, and the loop reloads
  /// it on the next launch in launch mode.
  std::uint64_t h2k_consumed = 0;
  /// The K2H producer cursor, persisted like h2k_consumed.
  std::uint64_t k2h_produced = 0;

  // -- the H2K doorbell: `rings` written by the host, `sleeping` by the kernel

  alignas(64) doorbell h2k_doorbell;
};

static_assert(sizeof(control_block) == 192);

/// Host-side readers and writers of a control block; each names its pairing.
/// Kernel-side writes happen in kernel_loop.hpp.
class control_block_ref {
public:
  explicit control_block_ref(control_block& cb) noexcept : cb_(&cb) {}

  /// Resets the block to launching (before the kernel starts, never while it runs).
  void format() noexcept { *cb_ = control_block{}; }

  kernel_state state() const noexcept {
    // Pairs with the loop's release stores of state.
    return static_cast<kernel_state>(dev::atomic_load(cb_->state, mem_order::acquire));
  }
  kernel_command command() const noexcept {
    // The host's own field: it reads back what it wrote.
    return static_cast<kernel_command>(dev::atomic_load(cb_->command, mem_order::relaxed));
  }
  std::uint32_t error_code() const noexcept {
    // Published by the release store of state = faulted; read state() first.
    return dev::atomic_load(cb_->error_code, mem_order::relaxed);
  }
  std::uint32_t fault_detail() const noexcept {
    // Published like error_code.
    return dev::atomic_load(cb_->fault_detail, mem_order::relaxed);
  }
  std::uint64_t messages_processed() const noexcept {
    // Pairs with the loop's release store after each message.
    return dev::atomic_load(cb_->messages_processed, mem_order::acquire);
  }
  std::uint64_t heartbeat() const noexcept {
    // Relaxed: compared with an older value only (see the field).
    return dev::atomic_load(cb_->heartbeat, mem_order::relaxed);
  }
  std::uint64_t h2k_consumed() const noexcept {
    // Relaxed: statistics; ring slots are handed over by their own sequences.
    return dev::atomic_load(cb_->h2k_consumed, mem_order::relaxed);
  }
  std::uint64_t k2h_produced() const noexcept {
    // Relaxed, as h2k_consumed.
    return dev::atomic_load(cb_->k2h_produced, mem_order::relaxed);
  }

  /// Asks the loop to drain, unless it was already asked to terminate.
  void request_drain() noexcept { raise_command(kernel_command::drain); }
  /// Asks the loop to stop after the current message.
  void request_terminate() noexcept { raise_command(kernel_command::terminate); }

  /// Wakes the loop if it parked (after pushing to H2K or raising a command).
  void wake() noexcept { ring_if_sleeping(cb_->h2k_doorbell); }

  control_block& get() const noexcept { return *cb_; }

private:
  void raise_command(kernel_command cmd) noexcept {
    // Commands only escalate (run < drain < terminate); the host is the only
    // writer, so a load-compare-store suffices.
    auto current = dev::atomic_load(cb_->command, mem_order::relaxed);
    if (static_cast<std::uint32_t>(cmd) > current) {
      // Pairs with the loop's acquire load of command: messages pushed before
      // the command are visible to a loop that sees the command.
      dev::atomic_store(cb_->command, static_cast<std::uint32_t>(cmd), mem_order::release);
    }
    wake();
  }

  control_block* cb_;
};

} // namespace ringactor
