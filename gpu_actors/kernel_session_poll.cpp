// ringactor: a kernel session's poller side: draining K2H and delivering
// replies and host messages, flushing the proxy's backlog, and watching the
// kernel's health (faults, stalls) and retirement.
#include "ringactor/gpu/detail/kernel_session.hpp"

#include <string>
#include <utility>

#include <fmt/format.h>

#include <ringactor/logger.hpp>

#include "ringactor/gpu/detail/kernel_silence.hpp"
#include "ringactor/gpu/device_health.hpp"
#include "ringactor/gpu/errors.hpp"

namespace ringactor::detail {

bool kernel_session::wants_polling() const noexcept {
  if (backlogged_.load(std::memory_order_relaxed)
      || exit_mode_.load(std::memory_order_relaxed) != 0)
    return true;
  if (backend_ != kernel_backend::cuda)
    return false; // a CPU kernel rings the doorbell when it answers
  std::lock_guard guard{mutex_};
  return !pending_.empty();
}

bool kernel_session::complete_inline(void* self) noexcept {
  auto* s = static_cast<kernel_session*>(self);
  {
    std::unique_lock guard{s->drain_mutex_, std::try_to_lock};
    if (!guard.owns_lock())
      return true; // the poller drains; it may need the wake-up to do so
    in_inline_completion_ = true;
    s->drain_k2h();
    // The kernel just consumed from H2K: refill it from a backlog here
    // rather than wait for the poller (persistent mode, where the proxy
    // left a flusher; the proxy's push mutex serializes it with senders).
    if (s->exit_mode_.load(std::memory_order_relaxed) == 0)
      s->flush_backlog(true);
    in_inline_completion_ = false;
  }
  auto state = s->channel_->control().state();
  return state != kernel_state::active && state != kernel_state::launching;
}

bool kernel_session::k2h_ready() noexcept {
  std::unique_lock guard{drain_mutex_, std::try_to_lock};
  // Busy: someone is draining; look again soon.
  return !guard.owns_lock() || channel_->peek_received().header != nullptr;
}

bool kernel_session::flush_backlog(bool direct_only) {
  if (!backlogged_.load(std::memory_order_relaxed))
    return false;
  // Pairs with the release store in attach().
  auto flusher = flusher_.load(std::memory_order_acquire);
  if (direct_only && flusher == nullptr)
    return false;
  // Pairs with the proxy's release store in note_pushed().
  auto pushed = pushed_.load(std::memory_order_acquire);
  if (pushed - channel_->control().h2k_consumed() >= channel_->geometry().h2k_capacity
      || !backlogged_.exchange(false, std::memory_order_acquire))
    return false;
  if (auto proxy = lock_proxy()) {
    if (flusher != nullptr)
      flusher(proxy.get());
    else
      proxy->enqueue(make_mailbox_element(nullptr, message_id{}, h2k_space{}));
  }
  return true;
}

bool kernel_session::drain_k2h() {
  // Caller holds drain_mutex_.
  bool any = false;
  slot_header h;
  // When the host saw the replies of this drain (see below).
  std::chrono::steady_clock::time_point seen{};
  while (channel_->try_receive(h, payload_.data())) {
    any = true;
    popped_.fetch_add(1, std::memory_order_relaxed);
    if (h.kind == slot_kind::message) {
      // Pinned while the message is enqueued, as in notify_proxy_failure.
      auto pin = sys_.metrics();
      if (!pin || host_sender_ == nullptr || !host_sender_(sys_, lock_proxy(), h, payload_.data()))
        host_messages_dropped_.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    pending_reply entry;
    {
      std::lock_guard guard{mutex_};
      auto i = pending_.find(h.request_id);
      if (i == pending_.end())
        continue; // already answered (dead_receiver after a stall)
      entry = std::move(i->second);
      pending_.erase(i);
      // One clock read per drained batch, taken again for a request sent
      // after it (a client may send, and the kernel answer, while this loop
      // drains: an older `seen` would make that round trip negative).
      if (seen < entry.sent)
        seen = std::chrono::steady_clock::now();
      round_trips_.add(seen - entry.sent);
      if (h.kind == slot_kind::error
          && static_cast<kernel_error>(h.error_code) == kernel_error::handler_fault) {
        // Answered once the proxy exits (see fault_replies_).
        fault_replies_.push_back(std::move(entry.promise));
        continue;
      }
    }
    entry.decode(entry.promise, h, payload_.data());
  }
  return any;
}

void kernel_session::notify_proxy_failure(error reason) {
  // Pairs with the release store in attach(). Before it there is no proxy
  // to tell yet: a later round tells it.
  if (failure_sent_ || !attached_.load(std::memory_order_acquire))
    return;
  failure_sent_ = true;
  // The pin keeps the proxy's system alive until the enqueue has returned:
  // the proxy may exit on its own (its stall watchdog) and its system be
  // destroyed meanwhile, and the enqueue schedules into that system (TSan
  // saw ~scheduler destroy the condition variable this thread signalled).
  // A system already gone gets nothing.
  auto pin = sys_.metrics();
  if (!pin)
    return;
  if (auto proxy = proxy_.lock())
    proxy->enqueue(make_mailbox_element(nullptr, message_id{}, kernel_failure{std::move(reason)}));
}

bool kernel_session::poll(std::chrono::steady_clock::time_point now) {
  if (finished())
    return false;
  bool progress = false;
  {
    // A CPU kernel's thread may be draining (complete_inline): then it
    // delivers what is there, and this round skips the drain.
    std::unique_lock guard{drain_mutex_, std::try_to_lock};
    if (guard.owns_lock())
      progress = drain_k2h();
  }
  // Pairs with the release store in retire().
  auto mode = static_cast<exit_mode>(exit_mode_.load(std::memory_order_acquire));
  auto cb = channel_->control();
  stream_fault fault;
  bool launch_mode = cfg_.mode == loop_mode::launch;
  // Launch mode: the proxy launches synchronously, and CUDA runners are not
  // polled while it may launch on another thread. Once it retired, no
  // launch is in flight unless one outlived the stall timeout (the proxy
  // then stopped waiting and exited with kernel_stalled): the session, and
  // the memory the hung handler uses, stay until it returns, as they do
  // for a stalled persistent loop.
  bool stopped = launch_mode ? mode != exit_mode::running && !runner_->launch_in_flight()
                             : loop_exited(now, mode != exit_mode::running, fault);
  // -- device loss ----------------------------------------------------------------------
  // A sticky error corrupts the device's whole context: every stream on it
  // fails, and no kernel on it runs any more, whatever its control block
  // (which a dead kernel never updates) says. So every session on the device
  // ends, with device_lost, and none waits for its kernel.
  bool device_lost = false;
  if (backend_ == kernel_backend::cuda) {
    if (!fault.message.empty() && cuda_error_is_sticky(fault.code))
      mark_cuda_device_lost(cfg_.device, fault.message);
    device_lost = cuda_device_lost(cfg_.device);
    stopped = stopped || device_lost;
  }
  if (stopped) {
    // Pairs with the acquire load of loop_ended() (a K2K broker's teardown).
    loop_ended_.store(true, std::memory_order_release);
  }
  // -- health ---------------------------------------------------------------------------
  if (mode == exit_mode::running && device_lost) {
    notify_proxy_failure(cuda_device_lost_error(cfg_.device));
  } else if (mode == exit_mode::running && !launch_mode) {
    if (!fault.message.empty()) {
      notify_proxy_failure(error{gpu_error::kernel_fault, fault.message});
    } else if (cb.state() == kernel_state::faulted) {
      notify_proxy_failure(kernel_fault_error(cb));
    } else if (stopped) {
      notify_proxy_failure(error{gpu_error::kernel_fault, "the kernel loop exited unexpectedly"});
    }
  }
  if (!launch_mode) {
    auto beat = cb.heartbeat();
    auto silence = judge_silence(cb.state(), now - started_, now - last_beat_seen_,
                                 cfg_.residency_timeout, cfg_.stall_timeout);
    if (beat != last_heartbeat_) {
      last_heartbeat_ = beat;
      last_beat_seen_ = now;
      last_beat_seen_ns_.store(to_ns(now), std::memory_order_relaxed);
    } else if (!stopped && silence == kernel_silence::not_resident) {
      if (mode == exit_mode::running)
        notify_proxy_failure(not_resident_error(now - started_));
      else if (!stall_terminated_) {
        // Retired before it ever ran: stop waiting for it.
        stall_terminated_ = true;
        cb.request_terminate();
        error reason{gpu_error::not_resident, "the kernel never became resident"};
        // An ordinary exit that cannot drain counts here; after a fault or
        // stall the proxy counted the failure it exited with. The registry
        // is held while its children are used.
        if (auto registry = sys_.metrics(); registry && mode == exit_mode::drain)
          metrics_.count_fault(reason);
        fail_all_pending(reason);
      }
    } else if (!stopped && silence == kernel_silence::stalled) {
      if (mode == exit_mode::running) {
        notify_proxy_failure(error{
          gpu_error::kernel_stalled,
          fmt::format(
            "no heartbeat for {} ms",
            std::chrono::duration_cast<std::chrono::milliseconds>(now - last_beat_seen_).count())});
      } else if (!stall_terminated_) {
        // Retired, but the drain hangs: stop waiting for it.
        stall_terminated_ = true;
        cb.request_terminate();
        // Counted as above (not_resident).
        if (auto registry = sys_.metrics(); registry && mode == exit_mode::drain)
          metrics_.count_fault(error{gpu_error::kernel_stalled});
        fail_all_pending(error{sec::dead_receiver, "the kernel stalled while draining"});
      }
    }
  }
  // -- backpressure ---------------------------------------------------------------------
  if (mode == exit_mode::running && flush_backlog(false))
    progress = true;
  // -- metrics --------------------------------------------------------------------------
  // A kernel that stalled may never stop: its actor ended, so its gauges go
  // back now (finish() takes them back for the others).
  if (now >= next_metrics_)
    publish_metrics(now, mode == exit_mode::stalled || stall_terminated_);
  // -- retirement -----------------------------------------------------------------------
  if (mode != exit_mode::running && stopped) {
    // The loop has exited: whatever it pushed is in K2H now.
    {
      std::lock_guard guard{drain_mutex_};
      drain_k2h();
    }
    finish();
    progress = true;
  }
  return progress;
}

} // namespace ringactor::detail
