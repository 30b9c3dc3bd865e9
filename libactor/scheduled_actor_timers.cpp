// The timers of event-based actors: request deadlines and idle timeouts.
#include <algorithm>
#include <vector>

#include "ringactor/actor_system.hpp"
#include "ringactor/scheduled_actor.hpp"
#include "request_table.hpp"
#include "system_core.hpp"

namespace ringactor {

namespace {

// Requests due within this much of a timer tick fail together, so that a
// stream of requests does not arm one timer per request. An idle timeout
// due within it fires.
constexpr auto timeout_slack = std::chrono::milliseconds{1};

} // namespace

// -- request deadlines ----------------------------------------------------------------

void scheduled_actor::arm_timeout(clock::time_point deadline) {
  if (deadline == clock::time_point::max() || deadline + timeout_slack >= requests_->armed)
    return;
  requests_->armed = deadline;
  core().timer.schedule(deadline, [self = address()] {
    if (auto ptr = self.lock())
      ptr->enqueue(make_mailbox_element(
        nullptr, message_id::urgent(), detail::timeout_msg{detail::timeout_msg::request_deadline}));
  });
}

void scheduled_actor::handle_timeout_tick() {
  if (!requests_)
    return;
  auto now = clock::now();
  std::vector<uint64_t> due;
  auto next = clock::time_point::max();
  for (auto& [number, entry] : requests_->pending) {
    if (entry.deadline <= now + timeout_slack)
      due.push_back(number);
    else
      next = std::min(next, entry.deadline);
  }
  // Earliest requests first, as they were sent.
  std::sort(due.begin(), due.end());
  requests_->armed = clock::time_point::max();
  for (auto number : due) {
    error err{sec::request_timeout};
    complete_pending(number, nullptr, &err);
  }
  if (requests_ && next != clock::time_point::max())
    arm_timeout(next);
}

// -- idle timeouts ----------------------------------------------------------------------

// A message only moves the deadline (one clock read); at most one timer is
// in flight per deadline that moved earlier. When a timer rings before the
// deadline (messages came meanwhile), it is armed again for the deadline.

void scheduled_actor::arm_idle_timeout() {
  auto& h = extra_handlers();
  auto span = bhvr_.idle_timeout();
  h.idle_deadline = span >= clock::time_point::max() - clock::now() ? clock::time_point::max()
                                                                    : clock::now() + span;
  if (h.idle_deadline < h.idle_timer_at)
    arm_idle_timer(h.idle_deadline);
}

void scheduled_actor::arm_idle_timer(clock::time_point when) {
  if (when == clock::time_point::max())
    return;
  handlers_->idle_timer_at = when;
  // A strong reference, as for delayed_send: an actor whose behavior has an
  // idle timeout stays alive until it fires, even when no handle to it is
  // left (its handler may still send or quit). One that never quits lives
  // until it is asked to exit (e.g. by shutdown()).
  core().timer.schedule(when, [self = ctrl()] {
    self->enqueue(make_mailbox_element(nullptr, message_id::urgent(),
                                       detail::timeout_msg{detail::timeout_msg::idle}));
  });
}

void scheduled_actor::handle_idle_tick() {
  if (!handlers_)
    return;
  auto& h = *handlers_;
  auto now = clock::now();
  if (now + timeout_slack >= h.idle_timer_at)
    h.idle_timer_at = clock::time_point::max(); // the earliest timer rang
  if (!bhvr_.has_idle_timeout())
    return; // a behavior that had one was replaced
  if (now + timeout_slack < h.idle_deadline) {
    if (h.idle_deadline < h.idle_timer_at)
      arm_idle_timer(h.idle_deadline); // messages came meanwhile
    return;
  }
  // Keep the behavior alive while its handler runs (it may become()).
  auto epoch = bhvr_epoch_;
  bhvr_.handle_idle_timeout();
  // As in CAF, the timeout fires again after another idle period.
  if (!exiting_ && epoch == bhvr_epoch_ && bhvr_.has_idle_timeout())
    arm_idle_timeout();
}

} // namespace ringactor
