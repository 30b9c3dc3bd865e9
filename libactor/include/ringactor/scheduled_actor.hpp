// ringactor: event-based actors, run by the scheduler's workers one batch of
// messages at a time. This is what `spawn` creates.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ringactor/behavior.hpp"
#include "ringactor/default_handler.hpp"
#include "ringactor/detail/deferred_init.hpp"
#include "ringactor/detail/runtime_metrics_switch.hpp"
#include "ringactor/local_actor.hpp"
#include "ringactor/resumable.hpp"
#include "ringactor/spawn_options.hpp"

namespace ringactor {

namespace detail {
class sender_release_batch;
class metered_mailbox;
} // namespace detail

template <class Response>
class response_handle;

class scheduled_actor : public local_actor, public resumable {
public:
  /// Called with a response (x) or an error (err); exactly one is non-null.
  using response_callback = std::function<void(mailbox_element* x, const error* err)>;

  explicit scheduled_actor(actor_system& sys);
  ~scheduled_actor() override;

  // -- behavior ---------------------------------------------------------------

  /// Replaces the current behavior.
  void become(behavior bhvr);
  /// Pushes a behavior; unbecome() returns to the previous one.
  void become(keep_behavior_t, behavior bhvr);
  void unbecome();

  /// Ends this actor after the current message with `reason` (normal if empty).
  void quit(error reason = {});

  /// Called for exit messages instead of exiting (trap exits). `kill`
  /// cannot be trapped.
  void set_exit_handler(std::function<void(exit_msg&)> f);
  /// Called for down messages of monitored actors.
  void set_down_handler(std::function<void(down_msg&)> f);

  // -- fallbacks --------------------------------------------------------------

  /// Called for each message that no handler of the current behavior (or an
  /// empty behavior) accepts; its result decides what happens to it (see
  /// default_handler.hpp): `print_and_drop` (the default), `drop`,
  /// `reflect`, `skip`, or a function of your own.
  ///
  ///   self->set_default_handler(skip); // keep it until become()
  void set_default_handler(default_handler f);
  void set_default_handler(skip_t);

  /// Called when a handler throws, with the exception. Unlike CAF, where the
  /// returned error is the exit reason, an error returned here answers the
  /// request being handled (if it is one; else it is logged) and the actor
  /// keeps running. To end the actor, call quit(reason) in the handler (its
  /// requester then gets `reason`), or return an empty error: the actor then
  /// ends with unhandled_exception as without a handler. A handler that
  /// throws ends the actor with what it threw.
  ///
  ///   self->set_exception_handler([](std::exception_ptr) -> error {
  ///     return error{sec::runtime_error, "the query failed"};
  ///   });
  void set_exception_handler(std::function<error(std::exception_ptr)> f);

  // -- spawning ---------------------------------------------------------------

  /// Spawns a function-based actor (see actor_system::spawn).
  template <class F, class... Ts>
    requires(!std::is_base_of_v<scheduled_actor, F>)
  auto spawn(F fun, Ts&&... xs) {
    // The dependent alias defers the use of actor_system to instantiation.
    using system_type = std::conditional_t<sizeof(F) != 0, actor_system, void>;
    return static_cast<system_type&>(system()).spawn(std::move(fun), std::forward<Ts>(xs)...);
  }

  /// Spawns a class-based actor (see actor_system::spawn).
  template <class T, class... Ts>
    requires std::is_base_of_v<scheduled_actor, T>
  auto spawn(Ts&&... xs) {
    using system_type = std::conditional_t<sizeof(T) != 0, actor_system, void>;
    return static_cast<system_type&>(system()).template spawn<T>(std::forward<Ts>(xs)...);
  }

  /// Spawns a function-based actor linked to and/or monitored by this one:
  /// `self->spawn<linked>(f, xs...)`, `spawn<monitored>`, `spawn<linked +
  /// monitored>`. The link or monitor exists before the child runs.
  template <spawn_options Os, class F, class... Ts>
    requires(!std::is_base_of_v<scheduled_actor, F>)
  auto spawn(F fun, Ts&&... xs) {
    using system_type = std::conditional_t<sizeof(F) != 0, actor_system, void>;
    return static_cast<system_type&>(system()).template spawn_for<Os>(*this, std::move(fun),
                                                                      std::forward<Ts>(xs)...);
  }

  /// Spawns a class-based actor with options: `self->spawn<linked, T>(xs...)`.
  template <spawn_options Os, class T, class... Ts>
    requires std::is_base_of_v<scheduled_actor, T>
  auto spawn(Ts&&... xs) {
    using system_type = std::conditional_t<sizeof(T) != 0, actor_system, void>;
    return static_cast<system_type&>(system()).template spawn_for<Os, T>(*this,
                                                                         std::forward<Ts>(xs)...);
  }

  // -- requests ---------------------------------------------------------------

  /// Sends `msg` to `dest` as a request; complete it with `.then(...)`
  /// (other messages keep flowing) or `.await(...)` (they wait until the
  /// response or its error arrives). Exactly one of the callbacks runs.
  template <class Handle, class T, class Rep, class Period>
  auto request(const Handle& dest, std::chrono::duration<Rep, Period> timeout, T&& msg) {
    static_assert(detail::send_check<Handle, T>::value);
    using response = typename detail::response_of<Handle, T>::type;
    auto mid = new_request_id();
    auto span = std::chrono::duration_cast<timespan>(timeout);
    auto deadline = span == infinite ? clock::time_point::max() : clock::now() + span;
    auto x = make_mailbox_element(ctrl(), mid, std::forward<T>(msg));
    begin_request_span(*x);
    send_request(detail::actor_ptr_of(dest), std::move(x));
    return response_handle<response>{this, mid, deadline};
  }

  using clock = std::chrono::steady_clock;

  /// Registers a continuation for the response to `mid`, which fails with
  /// request_timeout after `deadline` (used by response_handle).
  void add_response_handler(message_id mid, bool awaited, clock::time_point deadline,
                            response_callback f);

  /// Number of requests of this actor still waiting for a response.
  size_t pending_requests() const noexcept;

  // -- runtime interface --------------------------------------------------------

  bool enqueue(mailbox_element_ptr x) override;
  resume_result resume(detail::worker_counters& counters, size_t max_throughput) override;
  void ref_resumable() noexcept override { intrusive_ptr_add_ref(this); }
  void deref_resumable() noexcept override { intrusive_ptr_release(this); }

  /// Joins the system (registry, counters), runs `init` (which returns the
  /// initial behavior) in the spawning thread, then makes the actor ready to
  /// receive. Called once by spawn, after construction succeeded.
  template <class Init>
  void launch(Init&& init) {
    enter_system();
    run_init(init);
    finish_launch();
  }

  /// Joins the system and schedules the actor, which runs `init` on a worker
  /// before its first message. Called once by spawn instead of launch when
  /// init_runs_inline() is false.
  void launch_deferred(std::unique_ptr<detail::deferred_init> init);

  /// Whether spawn may run this actor's init in the calling thread: fewer
  /// than actor_system_config::max_inline_init_depth inits run there now.
  bool init_runs_inline() const noexcept;

  // -- fan-out requests ---------------------------------------------------------

  /// Sends `msg` as a request to every actor in `dests` and completes the
  /// lot with `Policy` (select_all, select_any; see fan_out_request.hpp):
  ///
  ///   self->fan_out_request<select_all>(workers, 1s, job{7})
  ///     .then([](std::vector<int> xs) { ... }, [](const error& err) { ... });
  template <class Policy, class Handle, class T, class Rep, class Period>
  auto fan_out_request(const std::vector<Handle>& dests, std::chrono::duration<Rep, Period> timeout,
                       const T& msg) {
    static_assert(detail::send_check<Handle, T>::value);
    using response = typename detail::response_of<Handle, T>::type;
    return Policy::template start<response>(*this, dests,
                                            std::chrono::duration_cast<timespan>(timeout), msg);
  }

protected:
  void on_unreachable() override;
  /// Hook for subclasses to release state when the actor ends.
  virtual void on_exit() {}

private:
  struct pending_response {
    bool awaited;
    clock::time_point deadline;
    response_callback f;
  };
  // Requests waiting for a response. Allocated on first use: most actors
  // never send a request, and an idle actor should stay small.
  struct request_table;
  // Handlers and state that few actors use, allocated on first use.
  struct system_handlers {
    std::function<void(exit_msg&)> exit;
    std::function<void(down_msg&)> down;
    default_handler fallback;
    std::function<error(std::exception_ptr)> exception;
    // Messages skipped by the current behavior (re-offered after become).
    detail::element_queue skipped;
    // The idle timeout fires at idle_deadline unless a message came first;
    // idle_timer_at is when the earliest timer in flight rings (max: none).
    clock::time_point idle_deadline;
    clock::time_point idle_timer_at = clock::time_point::max();
  };

  template <class Init>
  void run_init(Init&& init) {
    detail::inline_init_scope scope;
    try {
      auto bhvr = init();
      if (!exiting_) {
        if (bhvr)
          become(std::move(bhvr));
        else if (!bhvr_ && pending_requests() == 0)
          quit(); // nothing to wait for (else it quits as after a message)
      }
    } catch (const std::exception& ex) {
      quit(error{exit_reason::unhandled_exception, ex.what()});
    } catch (...) {
      quit(exit_reason::unhandled_exception);
    }
  }

  void enter_system();
  void finish_launch();
  /// Runs pending_init_ on a worker; false when the actor ended in it.
  bool run_deferred_init();
  void fetch_inbox();
  mailbox_element_ptr next_message();
  /// Handles `x`; its sender reference goes to `senders` when given (the
  /// batch of resume), else it is dropped with the element.
  void handle_message(mailbox_element_ptr x, detail::sender_release_batch* senders = nullptr);
  void handle_response(mailbox_element& x);
  void handle_timeout_tick();
  void arm_timeout(clock::time_point deadline);
  void handle_exit(exit_msg& x);
  void handle_down(down_msg& x);
  void handle_unexpected(mailbox_element_ptr& x);
  void skip_message(mailbox_element_ptr& x);
  void reoffer_skipped();
  void reply_from_default_handler(mailbox_element_ptr& x, default_handler_result& r);
  void handle_exception(std::exception_ptr ep, mailbox_element* x);
  void behavior_changed();
  void arm_idle_timeout();
  void handle_idle_tick();
  void arm_idle_timer(clock::time_point when);
  system_handlers& extra_handlers();
  void complete_pending(uint64_t number, mailbox_element* x, const error* err);
  void terminate(error reason);
#if RINGACTOR_RUNTIME_METRICS
  // -- opt-in per-type metrics (scheduled_actor_metrics.cpp) --------------------
  /// Looks up this actor's per-type metrics by its name (end of launch).
  void resolve_metrics();
  /// handle_message for a metered actor: times it, and the mailbox wait.
  void handle_metered(mailbox_element_ptr x, detail::sender_release_batch* senders,
                      detail::metered_mailbox& m);
  /// Takes the elements of `chain` that its mailbox metered out of the
  /// mailbox-size gauge (they leave without being handled).
  void unmeter(mailbox_element* chain) noexcept;
#endif

  behavior bhvr_;
  std::vector<behavior> bhvr_stack_;
  // Behaviors replaced while one of their handlers runs: kept alive until
  // the handler returned (become() inside a handler must not free it).
  std::vector<behavior> retired_;
  // The init spawn left to a worker (see launch_deferred); null once run.
  std::unique_ptr<detail::deferred_init> pending_init_;
  detail::element_queue urgent_;
  detail::element_queue normal_;
  // Messages set aside while awaiting a response.
  detail::element_queue stash_;
  std::unique_ptr<request_table> requests_;
  std::unique_ptr<system_handlers> handlers_;
  error exit_reason_pending_;
  // Counts behavior changes: after a handler that changed the behavior, the
  // skipped messages (the current one last) are offered to the new one.
  uint32_t bhvr_epoch_ = 0;
  bool exiting_ = false;
#if RINGACTOR_RUNTIME_METRICS
  // This actor's per-type metrics, or null (most actors); owned (freed by
  // the destructor). Stored once, with release, at the end of its launch
  // (resolve_metrics); enqueue loads it with acquire, pairing with that
  // store (what it points to was built before), resume relaxed (scheduling
  // orders it after the store).
  std::atomic<detail::metered_mailbox*> metrics_{nullptr};
#endif
};

/// The actor type of function-based untyped actors and the base of
/// class-based ones: override make_behavior().
class event_based_actor : public scheduled_actor {
public:
  using scheduled_actor::scheduled_actor;
  using behavior_type = behavior;

  /// The initial behavior of a class-based actor.
  virtual behavior make_behavior() { return {}; }
};

namespace detail {

inline void default_error_handler(const error& err) {
  log_warn("a request failed and its requester has no error handler: {}", err);
}

template <class Response, class F>
constexpr void check_response_callback() {
  if constexpr (std::is_same_v<Response, dynamic_response>) {
    static_assert(num_args_v<F> <= 1, "ringactor: a response handler takes the response value, or "
                                      "nothing for an empty response");
  } else if constexpr (std::is_void_v<Response>) {
    static_assert(num_args_v<F> == 0, "ringactor: this request is answered with an empty response "
                                      "(result<void>): the handler takes no argument");
  } else {
    static_assert(num_args_v<F> == 1,
                  "ringactor: the response handler takes exactly the response value");
    static_assert(std::is_same_v<handled_type_t<F>, Response>,
                  "ringactor: the response handler's argument type differs from the "
                  "response type of this request in the actor's interface");
  }
}

/// Wraps a value continuation and an error continuation into one callback.
/// WithResponder: the value continuation takes the response's sender as its
/// last argument (callback_request.hpp).
template <bool WithResponder = false, class F, class E>
auto make_response_callback(F f, E e) {
  return [f = std::move(f), e = std::move(e)](mailbox_element* x, const error* err) mutable {
    if (err != nullptr) {
      e(*err);
      return;
    }
    if (auto reply_err = x->get_if<error>()) {
      e(*reply_err);
      return;
    }
    if constexpr (num_args_v<F> == (WithResponder ? 1 : 0)) {
      if (!x->is<unit_t>())
        e(error{sec::unexpected_response,
                fmt::format("expected an empty response, got {}", x->type->name)});
      else if constexpr (WithResponder)
        f(x->sender);
      else
        f();
    } else {
      using value_type = handled_type_t<F>;
      if (auto val = x->get_if<value_type>()) {
        if constexpr (WithResponder)
          f(*val, x->sender);
        else
          call_with_payload(f, *val);
      } else {
        e(error{sec::unexpected_response,
                fmt::format("expected a {}, got {}", type_name_of<value_type>(), x->type->name)});
      }
    }
  };
}

} // namespace detail

/// The pending outcome of scheduled_actor::request. Discarding it (no
/// then() or await()) is a compiler warning: the response would be dropped.
template <class Response>
class [[nodiscard("a request's response is handled through its handle's then() or await(); "
                  "discarding the handle drops the response")]] response_handle {
public:
  response_handle(scheduled_actor* self, message_id mid,
                  scheduled_actor::clock::time_point deadline) noexcept
    : self_(self), mid_(mid), deadline_(deadline) {}

  /// Runs `f` with the response (or `e` with the error) when it arrives;
  /// other messages keep being processed meanwhile.
  template <class F, class E = void (*)(const error&)>
  void then(F f, E e = detail::default_error_handler) {
    detail::check_response_callback<Response, F>();
    self_->add_response_handler(mid_, false, deadline_,
                                detail::make_response_callback(std::move(f), std::move(e)));
  }

  /// Like then(), but the actor handles nothing else (except system
  /// messages) until the response or its error arrived.
  template <class F, class E = void (*)(const error&)>
  void await(F f, E e = detail::default_error_handler) {
    detail::check_response_callback<Response, F>();
    self_->add_response_handler(mid_, true, deadline_,
                                detail::make_response_callback(std::move(f), std::move(e)));
  }

  /// For responses whose type is known only at run time (brokers, proxies):
  /// `f(x, err)` gets the response element, or an error (timeout etc.).
  void then_raw(scheduled_actor::response_callback f) {
    self_->add_response_handler(mid_, false, deadline_, std::move(f));
  }

  message_id id() const noexcept { return mid_; }

private:
  scheduled_actor* self_;
  message_id mid_;
  scheduled_actor::clock::time_point deadline_;
};

} // namespace ringactor
