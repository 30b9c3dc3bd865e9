// ringactor: the completion poller's pacing (poll_policy.hpp).
#include "ringactor/gpu/detail/poll_policy.hpp"

namespace ringactor::detail {

bool poll_policy::needs_demand(bool progress) const noexcept {
  return !progress && idle_rounds_ + 1 >= pacing_.spin_polls + pacing_.yields_before_park;
}

poll_policy::step poll_policy::after_round(bool progress, clock::time_point now,
                                           const poll_demand& demand) {
  if (progress) {
    idle_rounds_ = 0;
    return {action::poll, {}};
  }
  if (idle_rounds_ == 0)
    idle_since_ = now;
  if (idle_rounds_ < pacing_.spin_polls + pacing_.yields_before_park)
    ++idle_rounds_;
  if (idle_rounds_ < pacing_.spin_polls)
    return {action::pause, {}};
  if (idle_rounds_ < pacing_.spin_polls + pacing_.yields_before_park)
    return {action::yield, {}};
  if (!demand.sessions)
    return {action::park, pacing_.empty_park};
  if (demand.waiting)
    return {action::park, pacing_.busy_park};
  if (!demand.device_sessions)
    return {action::park, pacing_.idle_park};
  if (now - idle_since_ >= pacing_.deep_idle_after)
    return {action::park, pacing_.device_deep_idle_park};
  return {action::park, pacing_.device_idle_park};
}

bool stream_query_pacer::due(clock::time_point now, bool state_changed) noexcept {
  if (!state_changed && queried_ && now - last_ < interval_)
    return false;
  queried_ = true;
  last_ = now;
  ++queries_;
  return true;
}

} // namespace ringactor::detail
