// ringactor: the actor system owns the scheduler, the timer, the registry of
// live actors and the configuration. It spawns actors and shuts down in
// bounded time.
//
//   actor_system sys{actor_system_config{}.set_workers(2)};
//   auto a = sys.spawn([](event_based_actor* self) -> behavior { ... });
#pragma once

#include <memory>
#include <type_traits>
#include <utility>

#include "ringactor/actor.hpp"
#include "ringactor/actor_system_config.hpp"
#include "ringactor/detail/callable_trait.hpp"
#include "ringactor/health.hpp"
#include "ringactor/metrics/registry.hpp"
#include "ringactor/named_actor_registry.hpp"
#include "ringactor/scheduled_actor.hpp"
#include "ringactor/spawn_options.hpp"
#include "ringactor/stateful_actor.hpp"
#include "ringactor/system_shut_down.hpp"
#include "ringactor/system_stats.hpp"
#include "ringactor/typed_actor.hpp"
#include "ringactor/typed_behavior.hpp"

namespace ringactor {

namespace detail {
struct system_core;
class scheduler;
class timer_service;
class actor_registry;

template <class T>
struct handle_for_behavior {
  using type = actor;
};
template <class... Sigs>
struct handle_for_behavior<typed_behavior<Sigs...>> {
  using type = typed_actor<Sigs...>;
};

template <class T>
struct impl_for_behavior {
  using type = event_based_actor;
};
template <class... Sigs>
struct impl_for_behavior<typed_behavior<Sigs...>> {
  using type = typed_event_based_actor<Sigs...>;
};

template <class B>
behavior unbox_behavior(B&& x) {
  if constexpr (std::is_same_v<std::decay_t<B>, behavior>)
    return std::forward<B>(x);
  else
    return std::move(x.unbox());
}

template <class F>
constexpr bool takes_self_pointer() {
  if constexpr (num_args_v<F> == 0) {
    return false;
  } else {
    using first = first_arg_t<F>;
    if constexpr (std::is_pointer_v<first>)
      return std::is_base_of_v<scheduled_actor, std::remove_pointer_t<first>>;
    else
      return false;
  }
}

} // namespace detail

/// Finds the actors of a system without keeping the system alive, for
/// threads that may outlive it (a hung kernel's, which its proxy stopped
/// waiting for). Once the system is destroyed it finds none.
class system_ref {
public:
  system_ref() = default;

  /// The live scheduled actor with id `id`; an invalid handle if there is
  /// none or the system is gone.
  actor find_actor(actor_id id) const;

  /// The system's metrics registry (actor_system::metrics()), kept alive
  /// by the pointer while the caller holds it; null once the system is
  /// gone. For threads that can outlive the system (a kernel's completion
  /// poller), which must not keep metric pointers past it.
  std::shared_ptr<ringactor::metrics::registry> metrics() const;

private:
  friend class actor_system;
  explicit system_ref(std::weak_ptr<detail::system_core> core) : core_(std::move(core)) {}

  std::weak_ptr<detail::system_core> core_;
};

class actor_system {
public:
  explicit actor_system(actor_system_config cfg = {});
  actor_system(const actor_system&) = delete;
  actor_system& operator=(const actor_system&) = delete;
  /// Shuts down (see shutdown()) unless that already happened.
  ~actor_system();

  // -- spawning ---------------------------------------------------------------

  /// Spawns a function-based actor. `fun` returns its behavior (a
  /// `behavior` or a typed behavior) and may take a self pointer
  /// (`event_based_actor*`, `stateful_actor<S>*`, `Interface::pointer`,
  /// `Interface::stateful_pointer<S>`) followed by `xs...`. Thread-safe.
  ///
  /// A function object with a member `validate() const` (a configuration
  /// such as supervision::pool) is checked first: what validate() throws
  /// for a configuration that could never work propagates from spawn, and
  /// no actor is created. (What the behavior function itself throws ends
  /// the actor with unhandled_exception instead.)
  ///
  /// Throws system_shut_down once shutdown() began (the actor would never
  /// run). From inside an actor, `self->spawn<linked>(...)` and
  /// `self->spawn<monitored>(...)` link or monitor the child as well.
  template <class F, class... Ts>
    requires(!std::is_base_of_v<scheduled_actor, F>)
            && (std::is_invocable_v<F, Ts...> || detail::takes_self_pointer<F>())
  auto spawn(F fun, Ts&&... xs) {
    return spawn_function([](abstract_actor&) {}, std::move(fun), std::forward<Ts>(xs)...);
  }

  /// Spawns a class-based actor: `T` derives from event_based_actor (or a
  /// typed_event_based_actor), is constructed as `T(sys, xs...)`, and
  /// overrides make_behavior(). Throws system_shut_down as spawn(fun) does.
  template <class T, class... Ts>
    requires std::is_base_of_v<scheduled_actor, T>
  auto spawn(Ts&&... xs) {
    return spawn_class<T>([](abstract_actor&) {}, std::forward<Ts>(xs)...);
  }

  /// Spawns a function-based actor with options `Os` (linked, monitored)
  /// relative to `parent`; what `parent->spawn<Os>(fun, xs...)` calls.
  template <spawn_options Os, class F, class... Ts>
    requires(!std::is_base_of_v<scheduled_actor, F>)
            && (std::is_invocable_v<F, Ts...> || detail::takes_self_pointer<F>())
  auto spawn_for(local_actor& parent, F fun, Ts&&... xs) {
    return spawn_function([&parent](abstract_actor& child) { attach<Os>(parent, child); },
                          std::move(fun), std::forward<Ts>(xs)...);
  }

  /// Spawns a class-based actor with options `Os` relative to `parent`.
  template <spawn_options Os, class T, class... Ts>
    requires std::is_base_of_v<scheduled_actor, T>
  auto spawn_for(local_actor& parent, Ts&&... xs) {
    return spawn_class<T>([&parent](abstract_actor& child) { attach<Os>(parent, child); },
                          std::forward<Ts>(xs)...);
  }

  // -- lifetime -----------------------------------------------------------------

  /// Asks every actor to exit (an exit_msg with user_shutdown), waits up to
  /// the configured grace period, reports the actors that did not exit (by
  /// id and name, also in the log), kills them, and stops the workers and
  /// the timer. Returns in bounded time even if a handler never returns.
  shutdown_report shutdown();

  /// As shutdown(), with `grace` instead of the configured grace period (a
  /// caller with its own bound, e.g. Python's shutdown(timeout=...)).
  shutdown_report shutdown(std::chrono::nanoseconds grace);

  /// True once shutdown() started.
  bool stopping() const noexcept;

  /// Blocks until every actor spawned in this system has terminated (as
  /// CAF's await_all_actors_done). Scoped actors do not count: they end with
  /// their scope. Call it from a thread that is not an actor's (main, a
  /// test): an actor calling it waits for itself forever.
  ///
  ///   sys.spawn(worker_impl, job);
  ///   sys.await_all_actors_done(); // the worker quit
  void await_all_actors_done();

  // -- introspection ------------------------------------------------------------

  const actor_system_config& config() const noexcept;

  /// The live scheduled actor with id `id`, or an invalid handle.
  actor find_actor(actor_id id) const;
  /// A reference to this system that does not keep it alive.
  system_ref weak_ref() const { return system_ref{core_}; }
  system_stats stats() const;

  /// Actors registered by name: `sys.registry().put("db", h)`, then
  /// `sys.registry().get<db_if>("db")` anywhere. See named_actor_registry.
  named_actor_registry& registry() noexcept;

  /// Liveness and readiness: `sys.health().readiness()`. Layers register
  /// their probes here (the scheduler's workers, pools, kernels, devices).
  /// See health.hpp.
  health_registry& health() noexcept;

  /// The system's metrics: the runtime's own families (ringactor_system_*,
  /// ringactor_scheduler_*, ringactor_requests_total, the opt-in
  /// ringactor_actor_* of actor_system_config::set_actor_metrics_includes)
  /// and the application's. telemetry::prometheus_text() writes it out.
  ///
  ///   auto& jobs = sys.metrics().counter_singleton("app_jobs_total", "Jobs done.");
  ///   jobs.inc();
  ///   auto snap = sys.metrics().collect();
  ringactor::metrics::registry& metrics() noexcept;

  // -- internals (used by actors) ---------------------------------------------

  detail::system_core& core() noexcept { return *core_; }

private:
  /// Throws system_shut_down if shutdown() began.
  void check_not_shut_down(const char* what_spawned) const;

  /// Links or monitors a child that has not run yet (see spawn_for).
  template <spawn_options Os>
  static void attach(local_actor& parent, abstract_actor& child) {
    if constexpr (has_spawn_option(Os, monitored))
      child.add_monitor(parent.address());
    if constexpr (has_spawn_option(Os, linked)) {
      child.add_link(parent.address());
      parent.add_link(actor_addr{&child});
    }
  }

  /// Creates the actor, runs `before_launch(actor)` (links, monitors), then
  /// launches it: nothing of the actor has run before the hook.
  template <class Hook, class F, class... Ts>
  auto spawn_function(Hook&& before_launch, F fun, Ts&&... xs) {
    using returned = std::decay_t<detail::result_t<F>>;
    using handle = typename detail::handle_for_behavior<returned>::type;
    if constexpr (requires(const F& f) { f.validate(); })
      std::as_const(fun).validate();
    check_not_shut_down("an actor");
    if constexpr (detail::takes_self_pointer<F>()) {
      using impl = std::remove_pointer_t<detail::first_arg_t<F>>;
      auto self = make_actor<impl>();
      before_launch(*self);
      if (!self->init_runs_inline()) {
        self->launch_deferred(make_deferred_init([ptr = self.get(), f = std::move(fun),
                                                  ... args = std::forward<Ts>(xs)]() mutable {
          if constexpr (std::is_void_v<returned>) {
            detail::invoke_init(f, ptr, args...);
            return behavior{};
          } else {
            return detail::unbox_behavior(detail::invoke_init(f, ptr, args...));
          }
        }));
        return handle{strong_actor_ptr{std::move(self)}};
      }
      self->launch([&] {
        if constexpr (std::is_void_v<returned>) {
          fun(self.get(), std::forward<Ts>(xs)...);
          return behavior{};
        } else {
          return detail::unbox_behavior(fun(self.get(), std::forward<Ts>(xs)...));
        }
      });
      return handle{strong_actor_ptr{std::move(self)}};
    } else {
      using impl = typename detail::impl_for_behavior<returned>::type;
      auto self = make_actor<impl>();
      before_launch(*self);
      if (!self->init_runs_inline()) {
        self->launch_deferred(make_deferred_init([f = std::move(fun),
                                                  ... args = std::forward<Ts>(xs)]() mutable {
          if constexpr (std::is_void_v<returned>) {
            detail::invoke_init_without_self(f, args...);
            return behavior{};
          } else {
            return detail::unbox_behavior(detail::invoke_init_without_self(f, args...));
          }
        }));
        return handle{strong_actor_ptr{std::move(self)}};
      }
      self->launch([&] {
        if constexpr (std::is_void_v<returned>) {
          fun(std::forward<Ts>(xs)...);
          return behavior{};
        } else {
          return detail::unbox_behavior(fun(std::forward<Ts>(xs)...));
        }
      });
      return handle{strong_actor_ptr{std::move(self)}};
    }
  }

  template <class T, class Hook, class... Ts>
  auto spawn_class(Hook&& before_launch, Ts&&... xs) {
    using returned = typename T::behavior_type;
    using handle = typename detail::handle_for_behavior<returned>::type;
    check_not_shut_down("a class-based actor");
    auto self = make_actor<T>(std::forward<Ts>(xs)...);
    before_launch(*self);
    if (!self->init_runs_inline())
      self->launch_deferred(make_deferred_init([ptr = self.get()] {
        return detail::unbox_behavior(ptr->make_behavior());
      }));
    else
      self->launch([&] { return detail::unbox_behavior(self->make_behavior()); });
    return handle{strong_actor_ptr{std::move(self)}};
  }

  template <class F>
  static std::unique_ptr<detail::deferred_init> make_deferred_init(F f) {
    return std::make_unique<detail::deferred_init_impl<F>>(std::move(f));
  }

  template <class T, class... Ts>
  intrusive_ptr<T> make_actor(Ts&&... xs) {
    // The new actor starts with one strong reference, adopted here.
    return intrusive_ptr<T>{new T(*this, std::forward<Ts>(xs)...), false};
  }

  std::shared_ptr<detail::system_core> core_;
};

} // namespace ringactor
