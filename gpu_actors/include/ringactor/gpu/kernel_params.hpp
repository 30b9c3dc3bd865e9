// ringactor: what a kernel loop is launched with: pointers to the shared
// control block, rings and K2K port (device pointers on CUDA), the kernel's state, and
// a small scratch area through which the grid's leader thread hands the
// current message to the other threads.
//
// Device-facing header (docs/device-headers.md): a kernel may include it; it
// and all it includes compile under nvcc, with no fmt, iostream or threads.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ringactor/gpu/control_block.hpp"
#include "ringactor/gpu/device.hpp"
#include "ringactor/gpu/doorbell.hpp"
#include "ringactor/gpu/k2k_port.hpp"
#include "ringactor/gpu/ring.hpp"
#include "ringactor/gpu/slot.hpp"

namespace ringactor {

/// How a kernel runs: a persistent loop, or one launch per message (the
/// baseline that persistent kernels are measured against).
enum class loop_mode : std::uint32_t {
  persistent = 0, ///< launched once; handles messages until drained or terminated
  launch = 1,     ///< each launch handles at most one message and returns
};

/// A one-dimensional grid: `blocks` blocks of `threads` threads.
struct grid_dim {
  std::uint32_t blocks = 1;
  std::uint32_t threads = 1;

  RINGACTOR_HOST_DEVICE constexpr std::uint32_t size() const noexcept { return blocks * threads; }
};

/// Where one (possibly emulated) thread sits in its grid.
struct thread_coord {
  std::uint32_t block = 0;
  std::uint32_t thread = 0;
};

/// Launch parameters of the loop; trivially copyable, passed by value.
struct kernel_params {
  void* kernel = nullptr;           ///< the kernel object (device memory on CUDA)
  control_block* control = nullptr; ///< the shared control block
  ring_view h2k;                    ///< host-to-kernel ring (the loop consumes)
  ring_view k2h;                    ///< kernel-to-host ring (the loop produces)
  doorbell* k2h_doorbell = nullptr; ///< rung after K2H pushes, heartbeats, exit
  k2k_port* k2k = nullptr;          ///< route table and inbound device channels; may be null
  std::byte* scratch = nullptr;     ///< grid_scratch_bytes(h2k.slot_size()) bytes
  std::uint64_t kernel_id = 0;      ///< sender id stamped on K2H slots (0 from spawn_kernel)
  std::uint64_t heartbeat_interval_ns = 100'000'000;
  std::uint32_t spin_before_park = 1000; ///< CPU backend: idle polls before parking
  bool cpu_idle_yield = false; ///< CPU backend: idle polls past the 64th yield (not pause)
  loop_mode mode = loop_mode::persistent;
  std::byte* snapshot = nullptr; ///< the snapshot area (snapshot_area.hpp); null: none
  /// Unix time in nanoseconds, sampled by the host just before it launched
  /// the loop; 0: unknown. The loop's leader reads its own clock at start
  /// and keeps the signed difference as the offset that turns its clock
  /// into Unix time (the K2K clock's physical part): %globaltimer on CUDA
  /// has no defined epoch, the CPU backend's clock is steady_clock.
  std::uint64_t host_clock_ns = 0;
  /// CPU backend: nanoseconds added to the loop's clock (steady_clock), so
  /// that a test can give the emulated device clock any epoch, ahead of
  /// Unix time or behind it. Ignored on CUDA.
  std::int64_t cpu_clock_shift_ns = 0;
};

namespace detail {

enum class loop_step : std::uint32_t { message = 1, stop = 2 };

/// The scratch area: a 64-byte control part, then a copy of the current
/// slot, the held-back reply, and the leader's K2K port cache. Written by the leader and read by the grid with a grid barrier in
/// between; `fault` is the one word any thread may write (atomically).
class grid_scratch {
public:
  RINGACTOR_HOST_DEVICE explicit grid_scratch(std::byte* base) noexcept : base_(base) {}

  /// The control part, the current message, and the leader's reply to it
  /// (held back until every thread of the grid finished the message).
  static constexpr std::size_t bytes_for(std::uint32_t slot_size) noexcept {
    return 64 + 2 * std::size_t{slot_size} + sizeof(k2k_port_cache);
  }

  RINGACTOR_HOST_DEVICE loop_step step() const noexcept {
    return words()[0] == 1 ? loop_step::message : loop_step::stop;
  }
  RINGACTOR_HOST_DEVICE void set_step(loop_step x) noexcept {
    words()[0] = static_cast<std::uint32_t>(x);
  }

  /// A fault code raised by any thread during the current message, 0 if none.
  RINGACTOR_HOST_DEVICE std::uint32_t fault() const noexcept {
    // Written by raise_fault() before the grid barrier that precedes this read.
    return dev::atomic_load(words()[1], mem_order::relaxed);
  }
  RINGACTOR_HOST_DEVICE void raise_fault(std::uint32_t code) noexcept {
    // Several threads may fault at once; any of their codes will do.
    dev::atomic_store(words()[1], code, mem_order::relaxed);
  }
  RINGACTOR_HOST_DEVICE void clear_fault() noexcept {
    // By the leader, before the grid barrier that precedes the handlers.
    dev::atomic_store(words()[1], std::uint32_t{0}, mem_order::relaxed);
  }

  RINGACTOR_HOST_DEVICE slot_header& header() const noexcept {
    return *reinterpret_cast<slot_header*>(base_ + 64);
  }
  /// The payload copy, 64-byte aligned.
  RINGACTOR_HOST_DEVICE std::byte* payload() const noexcept {
    return base_ + 64 + slot_payload_offset;
  }

  /// The held-back reply (leader only), after the message's slot copy;
  /// `slot_size` is the H2K slot size, a multiple of 64.
  RINGACTOR_HOST_DEVICE slot_header& reply_header(std::uint32_t slot_size) const noexcept {
    return *reinterpret_cast<slot_header*>(base_ + 64 + slot_size);
  }
  RINGACTOR_HOST_DEVICE std::byte* reply_payload(std::uint32_t slot_size) const noexcept {
    return base_ + 64 + slot_size + slot_payload_offset;
  }

  /// The leader's cache of its K2K port, after the held-back reply.
  RINGACTOR_HOST_DEVICE k2k_port_cache* k2k_cache(std::uint32_t slot_size) const noexcept {
    return reinterpret_cast<k2k_port_cache*>(base_ + 64 + 2 * std::size_t{slot_size});
  }

private:
  RINGACTOR_HOST_DEVICE std::uint32_t* words() const noexcept {
    return reinterpret_cast<std::uint32_t*>(base_);
  }

  std::byte* base_;
};

} // namespace detail

} // namespace ringactor
