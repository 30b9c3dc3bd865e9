// scheduled_actor: behavior changes (become, unbecome), quit, and the
// setters of the exit and down handlers (the rest is in scheduled_actor.cpp).
#include "ringactor/scheduled_actor.hpp"

namespace ringactor {

// -- behavior -----------------------------------------------------------------------

void scheduled_actor::become(behavior bhvr) {
  if (current_ != nullptr && bhvr_)
    retired_.push_back(std::move(bhvr_));
  bhvr_ = std::move(bhvr);
  behavior_changed();
}

void scheduled_actor::become(keep_behavior_t, behavior bhvr) {
  bhvr_stack_.push_back(std::move(bhvr_));
  bhvr_ = std::move(bhvr);
  behavior_changed();
}

void scheduled_actor::unbecome() {
  if (current_ != nullptr && bhvr_)
    retired_.push_back(std::move(bhvr_));
  if (bhvr_stack_.empty()) {
    bhvr_ = behavior{};
  } else {
    bhvr_ = std::move(bhvr_stack_.back());
    bhvr_stack_.pop_back();
  }
  behavior_changed();
}

void scheduled_actor::behavior_changed() {
  ++bhvr_epoch_;
  // Outside of a handler (at launch) skipped messages go back at once;
  // inside one, handle_message re-offers them when it returned, so that the
  // current message, if it is skipped too, joins them behind the older ones.
  if (current_ == nullptr)
    reoffer_skipped();
  if (bhvr_.has_idle_timeout())
    arm_idle_timeout();
}

void scheduled_actor::quit(error reason) {
  if (exiting_)
    return;
  exiting_ = true;
  exit_reason_pending_ = std::move(reason);
}

scheduled_actor::system_handlers& scheduled_actor::extra_handlers() {
  if (!handlers_)
    handlers_ = std::make_unique<system_handlers>();
  return *handlers_;
}

void scheduled_actor::set_exit_handler(std::function<void(exit_msg&)> f) {
  extra_handlers().exit = std::move(f);
}

void scheduled_actor::set_down_handler(std::function<void(down_msg&)> f) {
  extra_handlers().down = std::move(f);
}

} // namespace ringactor
