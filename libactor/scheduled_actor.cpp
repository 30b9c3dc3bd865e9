#include "ringactor/scheduled_actor.hpp"

#include <algorithm>
#include <unordered_map>

#include "ringactor/actor_system.hpp"
#include "system_core.hpp"

namespace ringactor {

// Request timeouts: one timer per actor is armed for the earliest deadline
// of its pending requests; when it fires, every request due (within the
// slack) fails with request_timeout and the timer is armed for the next.
// This keeps the timer queue at O(actors) entries instead of O(requests).
struct scheduled_actor::request_table {
  std::unordered_map<uint64_t, pending_response> pending;
  uint32_t awaited = 0;
  clock::time_point armed = clock::time_point::max();
};

namespace {

// Requests due within this much of a timer tick fail together, so that a
// stream of requests does not arm one timer per request.
constexpr auto timeout_slack = std::chrono::milliseconds{1};

} // namespace

scheduled_actor::scheduled_actor(actor_system& sys) : local_actor(sys) {}

scheduled_actor::~scheduled_actor() = default;

// -- behavior -----------------------------------------------------------------------

void scheduled_actor::become(behavior bhvr) {
  if (current_ != nullptr && bhvr_)
    retired_.push_back(std::move(bhvr_));
  bhvr_ = std::move(bhvr);
}

void scheduled_actor::become(keep_behavior_t, behavior bhvr) {
  bhvr_stack_.push_back(std::move(bhvr_));
  bhvr_ = std::move(bhvr);
}

void scheduled_actor::unbecome() {
  if (bhvr_stack_.empty()) {
    if (current_ != nullptr && bhvr_)
      retired_.push_back(std::move(bhvr_));
    bhvr_ = behavior{};
    return;
  }
  if (current_ != nullptr && bhvr_)
    retired_.push_back(std::move(bhvr_));
  bhvr_ = std::move(bhvr_stack_.back());
  bhvr_stack_.pop_back();
}

void scheduled_actor::quit(error reason) {
  if (exiting_)
    return;
  exiting_ = true;
  exit_reason_pending_ = std::move(reason);
}

void scheduled_actor::set_exit_handler(std::function<void(exit_msg&)> f) {
  if (!handlers_)
    handlers_ = std::make_unique<system_handlers>();
  handlers_->exit = std::move(f);
}

void scheduled_actor::set_down_handler(std::function<void(down_msg&)> f) {
  if (!handlers_)
    handlers_ = std::make_unique<system_handlers>();
  handlers_->down = std::move(f);
}

void scheduled_actor::add_response_handler(message_id mid, bool awaited, clock::time_point deadline,
                                           response_callback f) {
  if (!requests_)
    requests_ = std::make_unique<request_table>();
  requests_->pending.emplace(mid.number(), pending_response{awaited, deadline, std::move(f)});
  if (awaited)
    ++requests_->awaited;
  arm_timeout(deadline);
}

size_t scheduled_actor::pending_requests() const noexcept {
  return requests_ ? requests_->pending.size() : 0;
}

void scheduled_actor::arm_timeout(clock::time_point deadline) {
  if (deadline == clock::time_point::max() || deadline + timeout_slack >= requests_->armed)
    return;
  requests_->armed = deadline;
  core().timer.schedule(deadline, [self = address()] {
    if (auto ptr = self.lock())
      ptr->enqueue(make_mailbox_element(nullptr, message_id::urgent(), detail::timeout_msg{0}));
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

// -- launching ----------------------------------------------------------------------

void scheduled_actor::enter_system() {
  // Only a fully constructed actor joins the registry: a constructor (or a
  // state's) that throws must not leave a pointer to freed memory there.
  core().registry.add(this);
  core().spawned.fetch_add(1, std::memory_order_relaxed);
}

void scheduled_actor::finish_launch() {
  if (exiting_ || core().stopping.load(std::memory_order_acquire)) {
    terminate(exiting_ ? std::move(exit_reason_pending_) : error{exit_reason::user_shutdown});
    return;
  }
  // Messages may have arrived during init (the inbox was awake, so their
  // senders did not schedule us): run them, else go to sleep.
  if (!inbox_.try_block())
    core().sched.schedule(this);
}

// -- mailbox --------------------------------------------------------------------------

bool scheduled_actor::enqueue(mailbox_element_ptr x) {
  auto raw = x.release();
  switch (inbox_.push(raw)) {
    case detail::inbox_push_result::success: return true;
    case detail::inbox_push_result::unblocked_reader: core().sched.schedule(this); return true;
    case detail::inbox_push_result::closed: break;
  }
  mailbox_element_ptr owned{raw};
  bounce(*owned, error{sec::dead_receiver});
  return false;
}

void scheduled_actor::fetch_inbox() {
  auto x = detail::lifo_inbox::reverse(inbox_.take_head());
  while (x != nullptr) {
    auto next = x->next;
    if (x->mid.is_urgent())
      urgent_.push_back(x);
    else
      normal_.push_back(x);
    x = next;
  }
}

mailbox_element_ptr scheduled_actor::next_message() {
  for (;;) {
    if (auto x = urgent_.pop_front())
      return x;
    while (auto x = normal_.pop_front()) {
      if (!requests_ || requests_->awaited == 0)
        return x;
      if (x->mid.is_response()) {
        auto i = requests_->pending.find(x->mid.number());
        if (i != requests_->pending.end() && i->second.awaited)
          return x;
      }
      stash_.push_back(x.release());
    }
    if (!inbox_.has_data())
      return nullptr;
    fetch_inbox();
  }
}

// -- message handling -----------------------------------------------------------------

void scheduled_actor::complete_pending(uint64_t number, mailbox_element* x, const error* err) {
  if (!requests_)
    return;
  auto i = requests_->pending.find(number);
  if (i == requests_->pending.end())
    return;
  auto entry = std::move(i->second);
  requests_->pending.erase(i);
  if (entry.awaited && --requests_->awaited == 0)
    normal_.prepend(stash_);
  entry.f(x, err);
}

void scheduled_actor::handle_response(mailbox_element& x) {
  auto n = x.mid.number();
  if (requests_ && requests_->pending.count(n) != 0) {
    complete_pending(n, &x, nullptr);
    return;
  }
  log_debug("actor {} dropped a late response (request {})", id(), n);
}

void scheduled_actor::handle_exit(exit_msg& x) {
  // The link stays: an exit_msg may come from send_exit by a live linked
  // actor (a supervisor stopping its child) that still wants our exit.
  if (x.reason == exit_reason::kill && !x.from_link) {
    quit(exit_reason::kill);
    return;
  }
  if (handlers_ && handlers_->exit) {
    handlers_->exit(x);
    return;
  }
  if (x.reason)
    quit(x.reason);
}

void scheduled_actor::handle_down(down_msg& x) {
  if (handlers_ && handlers_->down) {
    handlers_->down(x);
    return;
  }
  log_debug("actor {} ignored a down message from actor {}", id(), x.source.id());
}

void scheduled_actor::handle_unexpected(mailbox_element& x) {
  log_warn("actor {} ({}) has no handler for a message of type {}{}", id(), name(), x.type->name,
           x.mid.is_request() ? " (answered with unexpected_message)" : "");
  if (x.mid.is_request())
    detail::send_error_response(this, x, error{sec::unexpected_message, std::string{x.type->name}});
}

void scheduled_actor::handle_message(mailbox_element_ptr x) {
  current_ = x.get();
  try {
    if (x->mid.is_response()) {
      handle_response(*x);
    } else if (x->is<detail::timeout_msg>()) {
      handle_timeout_tick();
    } else if (auto e = x->get_if<exit_msg>()) {
      handle_exit(*e);
    } else if (auto d = x->get_if<down_msg>(); d && !bhvr_.accepts(x->type)) {
      handle_down(*d);
    } else if (!bhvr_.invoke(this, *x)) {
      handle_unexpected(*x);
    } else if (!exiting_) { // else it dies with us (dead_receiver, below)
      detail::answer_abandoned_request(this, *x);
    }
  } catch (const std::exception& ex) {
    log_warn("actor {} ({}) ends: a handler threw: {}", id(), name(), ex.what());
    quit(error{exit_reason::unhandled_exception, ex.what()});
  } catch (...) {
    log_warn("actor {} ({}) ends: a handler threw a non-exception", id(), name());
    quit(exit_reason::unhandled_exception);
  }
  current_ = nullptr;
  retired_.clear(); // the handler returned: replaced behaviors may go
  if (exiting_) {
    // The request being handled dies with us: exiting from here on, so
    // that its requester sees is_exiting() with the answer, which is the
    // exit reason (dead_receiver for a normal exit).
    begin_exit(exit_reason_pending_);
    bounce(*x, unanswered_error(exit_reason_pending_));
    return;
  }
  // An actor without behavior and without pending requests is done.
  if (!bhvr_ && pending_requests() == 0)
    quit();
}

resumable::resume_result scheduled_actor::resume(detail::worker_counters& counters,
                                                 size_t max_throughput) {
  size_t handled = 0;
  auto result = resume_result::resume_later;
  while (handled < max_throughput) {
    auto x = next_message();
    if (!x) {
      // Nothing left: sleep unless a producer pushed meanwhile. After a
      // successful try_block another worker may resume us at once, so
      // nothing here touches `this` afterwards.
      if (inbox_.try_block()) {
        result = resume_result::awaiting;
        break;
      }
      continue;
    }
    handle_message(std::move(x));
    ++handled;
    // Counted per message (a plain store to a worker-local line), so that
    // stats() is current even while a long batch runs.
    detail::worker_counters::bump(counters.messages);
    if (exiting_) {
      terminate(std::move(exit_reason_pending_));
      result = resume_result::done;
      break;
    }
  }
  return result;
}

// -- termination ----------------------------------------------------------------------

void scheduled_actor::terminate(error reason) {
  exiting_ = true;
  // Promises dropped from here on (with the state, in on_exit) die with us
  // and answer as the queued requests do.
  begin_exit(reason);
  // Everything still queued is answered (requests) or dropped. Only the
  // queues that hold something build the error.
  auto bounce_queued = [&](mailbox_element* chain) {
    if (chain != nullptr)
      bounce_all(chain, unanswered_error(reason));
  };
  bounce_queued(detail::lifo_inbox::reverse(inbox_.close()));
  bounce_queued(urgent_.release());
  bounce_queued(stash_.release());
  bounce_queued(normal_.release());
  auto old_requests = std::move(requests_);
  // Behaviors and handlers may hold handles; drop them now so that cycles
  // between terminated actors cannot keep each other alive.
  auto old_bhvr = std::move(bhvr_);
  auto old_stack = std::move(bhvr_stack_);
  auto old_handlers = std::move(handlers_);
  on_exit();
  if (reason && reason != exit_reason::user_shutdown && reason != exit_reason::unreachable)
    log_debug("actor {} ({}) exits: {}", id(), name(), reason);
  finalize(std::move(reason));
}

void scheduled_actor::on_unreachable() {
  // No handle is left and the actor is not running (a running actor is
  // referenced by its worker): end it here.
  if (!is_terminated())
    terminate(exit_reason::unreachable);
}

} // namespace ringactor
