// ringactor: the private state of the grid's leader thread in the kernel
// loop: its ring cursors, counters and heartbeat, and every write the kernel
// side makes to the control block.
//
// Every thread of a grid constructs one (on CUDA each thread has its own in
// registers); only the leader's is ever used.
//
// Device-facing header (docs/device-headers.md): a kernel may include it; it
// and all it includes compile under nvcc, with no fmt, iostream or threads.
#pragma once

#include <cstdint>

#include "ringactor/gpu/control_block.hpp"
#include "ringactor/gpu/detail/control_poll.hpp"
#include "ringactor/gpu/detail/k2k_endpoint.hpp"
#include "ringactor/gpu/device.hpp"
#include "ringactor/gpu/k2k_port.hpp"
#include "ringactor/gpu/kernel_params.hpp"
#include "ringactor/gpu/ring.hpp"
#include "ringactor/gpu/slot.hpp"
#include "ringactor/gpu/snapshot_area.hpp"

namespace ringactor::detail {

/// The snapshot publisher of a kernel without snapshot hooks.
struct no_snapshot {
  RINGACTOR_DEVICE void operator()(snapshot_area_ref, std::uint64_t, std::uint64_t) const noexcept {
  }
};

/// A Grid provides: is_leader(), sync(), for_each_thread(f), dim(),
/// now_ns(), idle(n, doorbell, ready) (spin, back off or park while H2K is
/// empty), backoff(n) (while K2H is full), and notify_host(doorbell).
template <class Grid>
class loop_state {
public:
  RINGACTOR_DEVICE loop_state(const kernel_params& params, Grid& grid) noexcept
    : p_(params),
      grid_(grid),
      h2k_(params.h2k),
      k2h_(params.k2h),
      k2k_(params.k2k, grid_scratch{params.scratch}.k2k_cache(params.h2k.slot_size())) {}

  // -- the loop's steps (leader only) ----------------------------------------

  RINGACTOR_DEVICE void start() noexcept {
    auto& cb = *p_.control;
    // These are the kernel side's own fields, last written by an earlier
    // launch (launch mode) or formatted by the host before the first one:
    // stream order (CUDA) or the launching thread (CPU) orders those writes
    // before us.
    h2k_ = ring_consumer{p_.h2k, dev::atomic_load(cb.h2k_consumed, mem_order::relaxed)};
    k2h_ = ring_producer{p_.k2h, dev::atomic_load(cb.k2h_produced, mem_order::relaxed)};
    processed_ = dev::atomic_load(cb.messages_processed, mem_order::relaxed);
    heartbeat_ = dev::atomic_load(cb.heartbeat, mem_order::relaxed);
    if (dev::atomic_load(cb.state, mem_order::relaxed)
        == static_cast<std::uint32_t>(kernel_state::launching)) {
      // Pairs with the host's acquire load in control_block_ref::state().
      dev::atomic_store(cb.state, static_cast<std::uint32_t>(kernel_state::active),
                        mem_order::release);
    }
    const auto now = grid_.now_ns();
    if (p_.host_clock_ns != 0) {
      // The loop's clock has no defined epoch (%globaltimer on CUDA): the
      // offset to Unix time is the host's sample taken just before the
      // launch minus ours, signed (either clock may be ahead). It errs by
      // the launch latency (stamps lag Unix time by that much).
      k2k_.set_clock_offset(static_cast<std::int64_t>(p_.host_clock_ns - now));
    }
    beat(now);
  }

  /// Waits for the next message (from H2K or an inbound device channel)
  /// and copies it to `scratch`, or decides to stop. H2K and the device
  /// channels take turns when both have messages; a draining loop takes
  /// H2K only (a peer that keeps sending could otherwise hold it forever).
  template <class Scratch>
  RINGACTOR_DEVICE loop_step next(Scratch scratch) noexcept {
    auto& cb = *p_.control;
    for (std::uint32_t idle = 0;; ++idle) {
      if (faulted_ || (p_.mode == loop_mode::launch && handled_ > 0))
        return loop_step::stop;
      // The command, the port's version and the H2K head are independent
      // loads, issued together: on CUDA their PCIe round trips overlap, so
      // the first two add none to a message's latency. While H2K stays
      // empty the first two are read on a schedule (detail/control_poll.hpp).
      const bool look = control_poll::due(idle);
      auto cmd = static_cast<std::uint32_t>(kernel_command::run);
      bool port_moved = false;
      if (look) {
        // Relaxed: reloaded with acquire below when it matters.
        cmd = dev::atomic_load(cb.command, mem_order::relaxed);
        port_moved = k2k_.changed();
      }
      auto head = h2k_.peek();
      if (cmd != static_cast<std::uint32_t>(kernel_command::run)) {
        // Pairs with the host's release store in control_block_ref::raise_command():
        // every message pushed before the command is visible to the peek
        // below. (A reload, not a fence: the command only grows, and TSan
        // does not model fences. Only while a drain or terminate is raised.)
        cmd = dev::atomic_load(cb.command, mem_order::acquire);
        if (cmd == static_cast<std::uint32_t>(kernel_command::terminate)) {
          commanded_stop_ = true;
          return loop_step::stop;
        }
        if (!draining_) {
          draining_ = true;
          if (p_.mode == loop_mode::persistent) {
            // Pairs with the host's acquire load in control_block_ref::state().
            dev::atomic_store(cb.state, static_cast<std::uint32_t>(kernel_state::draining),
                              mem_order::release);
          }
        }
        if (head.header == nullptr)
          head = h2k_.peek();
      }
      if (take_next(scratch, head)) {
        // A quiescent point (no handler runs): act on changes to the K2K
        // port, and acknowledge a rescan a send made. (A send checks the
        // version itself, so a message the host pushed after changing the
        // port finds the change: its slot's acquire load made the new
        // version visible.)
        k2k_.quiesce(port_moved);
        return loop_step::message;
      }
      // Idle, also a quiescent point.
      k2k_.quiesce(port_moved);
      if (draining_) {
        commanded_stop_ = true;
        return loop_step::stop;
      }
      if (p_.mode == loop_mode::launch)
        return loop_step::stop;
      beat_if_due();
      grid_.idle(idle, cb.h2k_doorbell, [this, &cb] {
        // A wake-up check only; the next iteration reloads the command with
        // acquire before acting on it.
        return h2k_.ready() || k2k_.ready() || k2k_.changed()
               || dev::atomic_load(cb.command, mem_order::relaxed)
                    != static_cast<std::uint32_t>(kernel_command::run);
      });
    }
  }

  /// Completes the current message after every thread handled it:
  /// publishes a snapshot when one is due, guarantees a reply to a request,
  /// counts it, and records a fault. `snapshot(area, number, messages)`
  /// publishes the kernel's snapshot (see kernel_loop.hpp).
  template <class Scratch, class Snapshot = no_snapshot>
  RINGACTOR_DEVICE void finish(Scratch scratch, kernel_error dispatch_result,
                               Snapshot snapshot = {}) noexcept {
    auto& cb = *p_.control;
    const auto& h = scratch.header();
    auto fault = scratch.fault();
    // Before the reply goes out, so that a host that sees the reply finds a
    // snapshot that includes the message. Never after a fault: the handler
    // may have left the state half updated, and the last good snapshot must
    // stay the latest.
    if (fault == 0 && p_.snapshot != nullptr && (processed_ + 1) % snapshot_interval() == 0)
      publish_snapshot(snapshot, processed_ + 1);
    // The handler's reply was held back until now: every thread of the grid
    // has finished the message (the grid barrier before finish()), so a host
    // that sees the reply also sees the message's effects. A fault or a
    // dispatch error replaces it.
    bool held = reply_held_;
    reply_held_ = false;
    // Whether the branches below push an answer to K2H.
    const bool answer_follows = h.request_id != 0 && (held || !replied_);
    // Counted before the answer goes out: a host that sees the reply sees
    // the count include its message (the CPU backend delivers replies on
    // this thread, inside push_k2h()).
    ++handled_;
    // Pairs with the host's acquire load in control_block_ref::messages_processed().
    // When an answer follows, the release store that publishes its K2H slot
    // publishes the count too: one system-scope release per request, not
    // two (on CUDA each waits for the kernel's writes to reach the host).
    dev::atomic_store(cb.messages_processed, ++processed_,
                      answer_follows ? mem_order::relaxed : mem_order::release);
    if (h.request_id != 0) {
      if (dispatch_result != kernel_error::none || fault != 0) {
        if (!replied_ || held) {
          replied_ = false;
          push_error(h, dispatch_result != kernel_error::none ? dispatch_result
                                                              : kernel_error::handler_fault);
        }
      } else if (held) {
        grid_scratch scratch_area{p_.scratch};
        auto size = p_.h2k.slot_size();
        push_k2h(scratch_area.reply_header(size), scratch_area.reply_payload(size));
      } else if (!replied_) {
        push_reply(h, 0, nullptr, 0); // a handler that answered nothing: unit
        if (reply_held_) {
          reply_held_ = false;
          grid_scratch scratch_area{p_.scratch};
          auto size = p_.h2k.slot_size();
          push_k2h(scratch_area.reply_header(size), scratch_area.reply_payload(size));
        }
      }
    }
    if (fault != 0) {
      faulted_ = true;
      // Both published by the release store of state below.
      dev::atomic_store(cb.error_code, static_cast<std::uint32_t>(kernel_error::handler_fault),
                        mem_order::relaxed);
      dev::atomic_store(cb.fault_detail, fault, mem_order::relaxed);
      // Pairs with the host's acquire load in control_block_ref::state().
      dev::atomic_store(cb.state, static_cast<std::uint32_t>(kernel_state::faulted),
                        mem_order::release);
    }
    beat_if_due();
  }

  /// Leaves the loop: terminated when the host asked for it (drain or
  /// terminate) and nothing faulted; in launch mode an ordinary return
  /// leaves the state active. Leaving on the host's request, it publishes a
  /// snapshot of the state after the last message if the interval skipped it.
  template <class Snapshot = no_snapshot>
  RINGACTOR_DEVICE void stop(Snapshot snapshot = {}) noexcept {
    auto& cb = *p_.control;
    if (commanded_stop_ && !faulted_ && p_.snapshot != nullptr && processed_ > 0
        && processed_ % snapshot_interval() != 0)
      publish_snapshot(snapshot, processed_);
    // The last quiescent point: acknowledge what the host changed meanwhile.
    k2k_.quiesce();
    if (commanded_stop_ && !faulted_) {
      // Pairs with the host's acquire load in control_block_ref::state().
      dev::atomic_store(cb.state, static_cast<std::uint32_t>(kernel_state::terminated),
                        mem_order::release);
    }
    grid_.notify_host(*p_.k2h_doorbell);
  }

  // -- answering (leader only; called through kernel_context) ---------------

  /// Sends the reply to the request in `h` (the first one wins).
  RINGACTOR_DEVICE void push_reply(const slot_header& h, std::uint32_t type_id, const void* payload,
                                   std::uint32_t size) noexcept {
    if (h.request_id == 0 || replied_)
      return;
    if (size > k2h_.ring().payload_capacity()) {
      push_error(h, kernel_error::reply_too_large);
      return;
    }
    replied_ = true;
    // Held back in the scratch area until finish() (see there).
    grid_scratch scratch_area{p_.scratch};
    auto slot_size = p_.h2k.slot_size();
    slot_header& r = scratch_area.reply_header(slot_size);
    r = slot_header{};
    r.type_id = type_id;
    r.kind = slot_kind::reply;
    r.payload_size = size;
    r.request_id = h.request_id;
    r.sender_id = p_.kernel_id;
    r.receiver_id = h.sender_id;
    r.stamp = h.stamp;
    dev::copy_wide(scratch_area.reply_payload(slot_size), payload, size);
    reply_held_ = true;
  }

  /// Answers the request in `h` with an error.
  RINGACTOR_DEVICE void push_error(const slot_header& h, kernel_error err) noexcept {
    if (h.request_id == 0 || replied_)
      return;
    replied_ = true;
    slot_header r;
    r.kind = slot_kind::error;
    r.error_code = static_cast<std::uint32_t>(err);
    r.request_id = h.request_id;
    r.sender_id = p_.kernel_id;
    r.receiver_id = h.sender_id;
    r.stamp = h.stamp;
    push_k2h(r, nullptr);
  }

  /// Sends a message to host actor `receiver`; false if it does not fit.
  /// `routed_to` non-zero: a routed K2K send (slot_flags::k2k_routed) for
  /// that address, stamped `stamp`.
  RINGACTOR_DEVICE bool push_message(std::uint64_t receiver, std::uint32_t type_id,
                                     const void* payload, std::uint32_t size,
                                     std::uint64_t routed_to = 0,
                                     hlc_timestamp stamp = {}) noexcept {
    if (size > k2h_.ring().payload_capacity())
      return false;
    slot_header m;
    m.type_id = type_id;
    m.kind = slot_kind::message;
    m.payload_size = size;
    m.sender_id = p_.kernel_id;
    m.receiver_id = receiver;
    if (routed_to != 0) {
      m.flags = slot_flags::k2k_routed;
      m.request_id = routed_to;
      m.stamp = stamp;
    }
    return push_k2h(m, payload);
  }

  /// Sends to another kernel over a device channel, or through K2H to a
  /// host endpoint (see k2k_port.hpp and kernel_context::send).
  RINGACTOR_DEVICE k2k_send_result send_k2k(std::uint64_t destination, std::uint32_t output_id,
                                            const void* payload, std::uint32_t size) noexcept {
    return k2k_.send(destination, output_id, payload, size, grid_.now_ns(),
                     [this](std::uint64_t receiver, std::uint32_t type_id, const void* bytes,
                            std::uint32_t n, std::uint64_t routed_to, hlc_timestamp stamp) {
                       // push_message fails for these two reasons only.
                       if (n > k2h_.ring().payload_capacity())
                         return k2k_send_result::too_large;
                       return push_message(receiver, type_id, bytes, n, routed_to, stamp)
                                ? k2k_send_result::ok
                                : k2k_send_result::queue_full;
                     });
  }

private:
  /// Takes a message from H2K or an inbound device channel, taking turns.
  /// `msg`: what h2k_.peek() returned just before (peeking has no effect).
  template <class Scratch>
  RINGACTOR_DEVICE bool take_next(Scratch scratch, slot_ref msg) noexcept {
    if (k2k_turn_ && !draining_ && take_k2k(scratch))
      return true;
    if (msg.header != nullptr) {
      take(msg, scratch);
      k2k_turn_ = true;
      return true;
    }
    return !draining_ && take_k2k(scratch);
  }

  /// Takes the next message of an inbound device channel, if any.
  template <class Scratch>
  RINGACTOR_DEVICE bool take_k2k(Scratch scratch) noexcept {
    if (!k2k_.take(scratch, h2k_.ring().payload_capacity()))
      return false;
    scratch.clear_fault();
    replied_ = false;
    k2k_turn_ = false;
    return true;
  }

  /// Copies the message at the H2K head into the scratch area and frees its
  /// slot at once, so that the host can refill it while the grid works.
  template <class Scratch>
  RINGACTOR_DEVICE void take(slot_ref msg, Scratch scratch) noexcept {
    auto& h = scratch.header();
    h = *msg.header;
    if (h.payload_size > h2k_.ring().payload_capacity())
      h.payload_size = static_cast<std::uint32_t>(h2k_.ring().payload_capacity());
    dev::copy_wide(scratch.payload(), msg.payload, h.payload_size);
    h2k_.release();
    // Monitoring and launch-mode persistence only: relaxed.
    dev::atomic_store(p_.control->h2k_consumed, h2k_.cursor(), mem_order::relaxed);
    scratch.clear_fault();
    replied_ = false;
  }

  /// Pushes to K2H, waiting while it is full. Gives up only when the host
  /// asked to terminate: it then answers every pending request itself.
  RINGACTOR_DEVICE bool push_k2h(const slot_header& h, const void* payload) noexcept {
    auto& cb = *p_.control;
    for (std::uint32_t n = 0; !k2h_.try_push(h, payload); ++n) {
      // Relaxed: it only decides to give up; nothing is read on its account.
      if (dev::atomic_load(cb.command, mem_order::relaxed)
          == static_cast<std::uint32_t>(kernel_command::terminate))
        return false;
      beat_if_due();
      grid_.backoff(n);
    }
    // Monitoring and launch-mode persistence only: relaxed.
    dev::atomic_store(cb.k2h_produced, k2h_.cursor(), mem_order::relaxed);
    grid_.notify_host(*p_.k2h_doorbell);
    return true;
  }

  /// The area's interval, read once per launch (on CUDA it is a read across PCIe).
  RINGACTOR_DEVICE std::uint32_t snapshot_interval() noexcept {
    if (snapshot_interval_ == 0) {
      snapshot_area_ref area{p_.snapshot};
      snapshot_interval_ = area.interval() == 0 ? 1 : area.interval();
      snapshots_ = area.published();
    }
    return snapshot_interval_;
  }

  template <class Snapshot>
  RINGACTOR_DEVICE void publish_snapshot(Snapshot& snapshot, std::uint64_t messages) noexcept {
    snapshot_interval(); // reads snapshots_ on first use
    snapshot(snapshot_area_ref{p_.snapshot}, ++snapshots_, messages);
  }

  RINGACTOR_DEVICE void beat_if_due() noexcept {
    auto now = grid_.now_ns();
    if (now - last_beat_ns_ >= p_.heartbeat_interval_ns)
      beat(now);
  }

  RINGACTOR_DEVICE void beat(std::uint64_t now) noexcept {
    last_beat_ns_ = now;
    // Relaxed: the heartbeat publishes nothing; the host compares values.
    dev::atomic_store(p_.control->heartbeat, ++heartbeat_, mem_order::relaxed);
    grid_.notify_host(*p_.k2h_doorbell);
  }

  kernel_params p_;
  Grid& grid_;
  ring_consumer h2k_;
  ring_producer k2h_;
  k2k_endpoint k2k_;
  std::uint64_t processed_ = 0;
  std::uint64_t heartbeat_ = 0;
  std::uint64_t last_beat_ns_ = 0;
  std::uint64_t handled_ = 0; // in this launch
  bool replied_ = false;
  bool reply_held_ = false; // a reply waits in the scratch area for finish()
  bool draining_ = false;
  bool commanded_stop_ = false;
  bool faulted_ = false;
  std::uint32_t snapshot_interval_ = 0; // 0: not read from the snapshot area yet
  std::uint64_t snapshots_ = 0;         // published into the snapshot area so far
  bool k2k_turn_ = false;               // the device channels go first at the next take
};

} // namespace ringactor::detail
