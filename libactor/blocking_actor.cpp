#include "ringactor/blocking_actor.hpp"

#include "ringactor/actor_system.hpp"
#include "metrics/runtime_counters.hpp"
#include "system_core.hpp"

namespace ringactor {

blocking_actor::blocking_actor(actor_system& sys)
  : local_actor(sys), spin_budget_(sys.config().idle_spin) {}

blocking_actor::~blocking_actor() = default;

bool blocking_actor::enqueue(mailbox_element_ptr x) {
  auto raw = x.release();
  switch (inbox_.push(raw)) {
    case detail::inbox_push_result::success: return true;
    case detail::inbox_push_result::unblocked_reader: {
      {
        std::lock_guard guard{wake_mtx_};
        woken_ = true;
      }
      wake_cv_.notify_one();
      return true;
    }
    case detail::inbox_push_result::closed: break;
  }
  mailbox_element_ptr owned{raw};
  detail::note_rejected(core());
  bounce(*owned, error{sec::dead_receiver});
  return false;
}

bool blocking_actor::fetch_more(clock::time_point deadline) {
  auto take = [this] {
    auto x = detail::lifo_inbox::reverse(inbox_.take_head());
    if (x == nullptr)
      return false;
    while (x != nullptr) {
      auto next = x->next;
      cache_.emplace_back(x);
      x = next;
    }
    return true;
  };
  // Spin briefly: a response to a request usually arrives within
  // microseconds, far sooner than a sleeping thread would wake up.
  // The budget adapts as the scheduler's does (see scheduler::wait_for_job).
  auto spin_until = std::min(clock::now() + spin_budget_, deadline);
  for (unsigned i = 0;; ++i) {
    if (inbox_.has_data() && take()) {
      spin_budget_ = std::min<timespan>(
        core().cfg.idle_spin, std::max<timespan>(spin_budget_ * 2, std::chrono::microseconds{1}));
      return true;
    }
    if ((i & 15) == 15 && clock::now() >= spin_until)
      break;
    detail::cpu_relax();
  }
  spin_budget_ /= 2;
  for (;;) {
    if (take())
      return true;
    // Already blocked after a stale wake-up (see below): wait again. Only
    // this reader sets reader_blocked, so a true blocked() stays true until
    // a producer pushes, and that producer then sets woken_.
    if (!inbox_.blocked() && !inbox_.try_block())
      continue; // a producer pushed between take() and try_block()
    {
      std::unique_lock guard{wake_mtx_};
      while (!woken_)
        if (wake_cv_.wait_until(guard, deadline) == std::cv_status::timeout)
          break;
      if (woken_) {
        woken_ = false;
        continue;
      }
    }
    // Timed out. If a producer got in first, the inbox holds data, and its
    // wake-up flag may still arrive: a later wait then consumes it while the
    // inbox is blocked and empty, which the blocked() check above handles
    // (a try_block there would fail forever and spin past the deadline).
    if (inbox_.try_unblock())
      return false;
  }
}

mailbox_element_ptr blocking_actor::await_response(message_id mid, clock::time_point deadline) {
  // Whatever happens, nobody waits for this response afterwards.
  struct forget {
    std::unordered_set<uint64_t>& set;
    uint64_t number;
    ~forget() { set.erase(number); }
  } guard{outstanding_, mid.number()};
  auto rid = mid.response_id();
  size_t scanned = 0;
  for (;;) {
    while (scanned < cache_.size()) {
      const auto& x = cache_[scanned];
      if (x->mid == rid) {
        auto found = std::move(cache_[scanned]);
        cache_.erase(cache_.begin() + static_cast<ptrdiff_t>(scanned));
        detail::note_request(core(), found.get(), nullptr);
        return found;
      }
      if (x->mid.is_response() && outstanding_.count(x->mid.number()) == 0) {
        // A late response to a request given up on (timed out, or its
        // handle dropped): an actor that only ever awaits responses, never
        // calling receive(), would otherwise keep every one of them.
        cache_.erase(cache_.begin() + static_cast<ptrdiff_t>(scanned));
        continue;
      }
      ++scanned;
    }
    if (!fetch_more(deadline)) {
      error timeout{sec::request_timeout};
      detail::note_request(core(), nullptr, &timeout);
      return nullptr;
    }
  }
}

void blocking_actor::forget_response(message_id mid) noexcept {
  if (outstanding_.erase(mid.number()) == 0)
    return;
  auto rid = mid.response_id();
  for (auto i = cache_.begin(); i != cache_.end(); ++i) {
    if ((*i)->mid == rid) {
      cache_.erase(i);
      return;
    }
  }
  // Not here yet: receive_impl and await_response drop it when it comes,
  // since no outstanding request claims it any more.
}

bool blocking_actor::receive_impl(behavior& bhvr, clock::time_point deadline) {
  size_t scanned = 0;
  for (;;) {
    while (scanned < cache_.size()) {
      auto& x = cache_[scanned];
      if (x->mid.is_response()) {
        if (outstanding_.count(x->mid.number()) != 0) {
          ++scanned; // a handle will still pick it up
          continue;
        }
        // A late response to a request this actor gave up on.
        cache_.erase(cache_.begin() + static_cast<ptrdiff_t>(scanned));
        continue;
      }
      if (!bhvr.accepts(x->type)) {
        ++scanned;
        continue;
      }
      auto owned = std::move(x);
      cache_.erase(cache_.begin() + static_cast<ptrdiff_t>(scanned));
      current_ = owned.get();
      struct reset_current {
        blocking_actor* self;
        ~reset_current() { self->current_ = nullptr; }
      } guard{this};
      // The handler's sends continue the message's trace.
      struct trace_guard {
        detail::trace_ref ref;
        const detail::trace_node* saved = detail::current_trace_slot;
        ~trace_guard() { detail::current_trace_slot = saved; }
      } trace{owned->trace_ref};
      detail::current_trace_slot = trace.ref.node();
      auto result = invoke_result::handled;
      try {
        result = bhvr.invoke(this, *owned);
      } catch (const std::exception& ex) {
        // The exception is the caller's to handle; the requester learns of
        // it too instead of never hearing back.
        detail::send_error_response(this, *owned,
                                    error{exit_reason::unhandled_exception, ex.what()});
        throw;
      } catch (...) {
        detail::send_error_response(this, *owned, error{exit_reason::unhandled_exception});
        throw;
      }
      if (result == invoke_result::skipped) {
        // Back where it was, for a later receive.
        cache_.insert(cache_.begin() + static_cast<ptrdiff_t>(scanned), std::move(owned));
        ++scanned;
        continue;
      }
      detail::answer_abandoned_request(this, *owned);
      return true;
    }
    if (!fetch_more(deadline))
      return false;
  }
}

void blocking_actor::close(error reason) {
  if (is_terminated())
    return;
  // Exiting before the requests it holds bounce (see is_exiting()).
  begin_exit(reason);
  auto answer = unanswered_error(reason);
  bounce_all(detail::lifo_inbox::reverse(inbox_.close()), answer);
  for (auto& x : cache_)
    bounce(*x, answer);
  cache_.clear();
  finalize(std::move(reason));
}

void blocking_actor::on_unreachable() {
  close(exit_reason::unreachable);
}

// -- scoped_actor -----------------------------------------------------------------------

scoped_actor::scoped_actor(actor_system& sys) : self_(new blocking_actor(sys), false) {}

scoped_actor::~scoped_actor() {
  self_->close(error{});
}

} // namespace ringactor
