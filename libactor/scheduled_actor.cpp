#include "ringactor/scheduled_actor.hpp"

#include "ringactor/actor_system.hpp"
#include "metrics/actor_metrics.hpp"
#include "metrics/runtime_counters.hpp"
#include "request_table.hpp"
#include "sender_release_batch.hpp"
#include "system_core.hpp"

namespace ringactor {

namespace detail {

std::size_t& inline_init_depth() noexcept {
  thread_local std::size_t depth = 0;
  return depth;
}

} // namespace detail

scheduled_actor::scheduled_actor(actor_system& sys) : local_actor(sys) {}

scheduled_actor::~scheduled_actor() {
#if RINGACTOR_RUNTIME_METRICS
  // Owned: see metrics_.
  std::unique_ptr<detail::metered_mailbox> owned{metrics_.load(std::memory_order_relaxed)};
#endif
}

// -- requests ---------------------------------------------------------------------

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

// -- launching ----------------------------------------------------------------------

void scheduled_actor::enter_system() {
  // Only a fully constructed actor joins the registry: a constructor (or a
  // state's) that throws must not leave a pointer to freed memory there.
  core().registry.add(this);
  core().spawned.fetch_add(1, std::memory_order_relaxed);
}

void scheduled_actor::launch_deferred(std::unique_ptr<detail::deferred_init> init) {
  enter_system();
  pending_init_ = std::move(init);
  // The inbox stays awake until the init ran (messages queue up without
  // scheduling us); this job runs the init, then those messages.
  core().sched.schedule(this);
}

bool scheduled_actor::init_runs_inline() const noexcept {
  return detail::inline_init_depth() < core().cfg.max_inline_init_depth;
}

bool scheduled_actor::run_deferred_init() {
  auto init = std::move(pending_init_);
  if (core().stopping.load(std::memory_order_acquire)) {
    terminate(error{exit_reason::user_shutdown});
    return false;
  }
  run_init([&] { return init->run(); });
  if (exiting_) {
    terminate(std::move(exit_reason_pending_));
    return false;
  }
#if RINGACTOR_RUNTIME_METRICS
  if (core().actor_metrics.enabled()) [[unlikely]]
    resolve_metrics();
#endif
  return true;
}

void scheduled_actor::finish_launch() {
  if (exiting_ || core().stopping.load(std::memory_order_acquire)) {
    terminate(exiting_ ? std::move(exit_reason_pending_) : error{exit_reason::user_shutdown});
    return;
  }
#if RINGACTOR_RUNTIME_METRICS
  if (core().actor_metrics.enabled()) [[unlikely]]
    resolve_metrics();
#endif
  // Messages may have arrived during init (the inbox was awake, so their
  // senders did not schedule us): run them, else go to sleep.
  if (!inbox_.try_block())
    core().sched.schedule(this);
}

// -- mailbox --------------------------------------------------------------------------

bool scheduled_actor::enqueue(mailbox_element_ptr x) {
  auto raw = x.release();
#if RINGACTOR_RUNTIME_METRICS
  // Senders read metrics_ only in a system that meters some actors: it sits
  // next to the queues the receiver writes per message, so reading it on
  // every send would move that cache line to each sender (in bench/run's
  // mailbox, 20 senders and one receiver, 24% slower). The table's flag is
  // written once, before any actor runs.
  detail::metered_mailbox* metered = nullptr;
  if (core().actor_metrics.enabled()) [[unlikely]] {
    metered = metrics_.load(std::memory_order_acquire);
    if (metered != nullptr)
      metered->stamp(raw, clock::now().time_since_epoch().count());
  }
#endif
  switch (inbox_.push(raw)) {
    case detail::inbox_push_result::success: return true;
    case detail::inbox_push_result::unblocked_reader: core().sched.schedule(this); return true;
    case detail::inbox_push_result::closed: break;
  }
  mailbox_element_ptr owned{raw};
#if RINGACTOR_RUNTIME_METRICS
  if (metered != nullptr)
    metered->refused(raw);
#endif
  detail::note_rejected(core());
  bounce(*owned, error{sec::dead_receiver});
  return false;
}

void scheduled_actor::fetch_inbox() {
  // One pass over the taken chain (newest first): each element goes to the
  // front of its class's batch, which puts both batches in arrival order
  // without a separate reverse (a long chain misses the cache on every pass).
  detail::element_queue urgent;
  detail::element_queue normal;
  auto x = inbox_.take_head();
  while (x != nullptr) {
    auto next = x->next;
    if (x->mid.is_urgent())
      urgent.push_front(x);
    else
      normal.push_front(x);
    x = next;
  }
  urgent_.append(urgent);
  normal_.append(normal);
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
  detail::note_request(core(), x, err);
  entry.f(x, err);
}

void scheduled_actor::handle_response(mailbox_element& x) {
  auto n = x.mid.number();
  if (requests_ && requests_->pending.count(n) != 0) {
    complete_pending(n, &x, nullptr);
    return;
  }
  RINGACTOR_LOG_SAMPLED(log_level::debug, "actor {} dropped a late response (request {})", id(), n);
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
  RINGACTOR_LOG_SAMPLED(log_level::debug, "actor {} ignored a down message from actor {}", id(),
                        x.source.id());
}

void scheduled_actor::reoffer_skipped() {
  // Skipped messages are older than everything still queued: first in line.
  if (handlers_)
    normal_.prepend(handlers_->skipped);
}

void scheduled_actor::handle_message(mailbox_element_ptr x, detail::sender_release_batch* senders) {
  current_ = x.get();
  // The handler's sends continue the message's trace (see trace_scope.hpp).
  // A reference of our own: the handler may give the element away (skip,
  // reflect). Restored by hand below: the handler's exceptions are caught
  // here. Untraced: a null pointer copied, no atomic.
  auto trace = x->trace_ref;
  auto* outer_trace = detail::current_trace_slot;
  detail::current_trace_slot = trace.node();
  auto epoch = bhvr_epoch_;
  bool timer_tick = false;
  try {
    if (x->mid.is_response()) {
      handle_response(*x);
    } else if (auto t = x->get_if<detail::timeout_msg>()) {
      timer_tick = true;
      if (t->kind == detail::timeout_msg::idle)
        handle_idle_tick();
      else
        handle_timeout_tick();
    } else if (auto e = x->get_if<exit_msg>()) {
      handle_exit(*e);
    } else if (auto d = x->get_if<down_msg>(); d && !bhvr_.accepts(x->type)) {
      handle_down(*d);
    } else {
      switch (bhvr_.invoke(this, *x)) {
        case invoke_result::handled:
          if (!exiting_) // else it dies with us (its exit reason, below)
            detail::answer_abandoned_request(this, *x);
          break;
        case invoke_result::unmatched: handle_unexpected(x); break;
        case invoke_result::skipped: skip_message(x); break;
      }
    }
  } catch (...) {
    handle_exception(std::current_exception(), x.get());
  }
  current_ = nullptr;
  detail::current_trace_slot = outer_trace;
  retired_.clear(); // the handler returned: replaced behaviors may go
  if (exiting_) {
    // The request being handled dies with us: exiting from here on, so
    // that its requester sees is_exiting() with the answer, which is the
    // exit reason (dead_receiver for a normal exit). A skipped or reflected
    // message (x is null) is answered elsewhere.
    begin_exit(exit_reason_pending_);
    if (x)
      bounce(*x, unanswered_error(exit_reason_pending_));
    return;
  }
  if (epoch != bhvr_epoch_) [[unlikely]]
    reoffer_skipped();
  // Inline check: only actors whose behavior has an idle timeout pay more.
  if (bhvr_.has_idle_timeout() && !timer_tick) [[unlikely]]
    arm_idle_timeout();
  // An actor without behavior and without pending requests is done.
  if (!bhvr_ && pending_requests() == 0)
    quit();
  if (senders != nullptr && x && x->sender)
    senders->add(x->sender.release());
}

resumable::resume_result scheduled_actor::resume(detail::worker_counters& counters,
                                                 size_t max_throughput) {
  if (pending_init_ && !run_deferred_init()) [[unlikely]]
    return resume_result::done;
  size_t handled = 0;
  auto result = resume_result::resume_later;
  // Dropped at every return, before the worker derefs this actor: a
  // sender released last here (this actor itself, for a self-send) is
  // released while the worker still holds its reference.
  detail::sender_release_batch senders;
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
#if RINGACTOR_RUNTIME_METRICS
    if (auto m = metrics_.load(std::memory_order_relaxed)) [[unlikely]]
      handle_metered(std::move(x), &senders, *m);
    else
#endif
      handle_message(std::move(x), &senders);
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
    if (chain == nullptr)
      return;
#if RINGACTOR_RUNTIME_METRICS
    unmeter(chain);
#endif
    bounce_all(chain, unanswered_error(reason));
  };
  bounce_queued(detail::lifo_inbox::reverse(inbox_.close()));
  bounce_queued(urgent_.release());
  bounce_queued(stash_.release());
  bounce_queued(normal_.release());
  if (handlers_)
    bounce_queued(handlers_->skipped.release());
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
