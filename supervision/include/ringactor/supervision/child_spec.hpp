// ringactor supervision: what a supervisor needs to know to start, restart
// and stop one child.
//
//   child_spec{.name = "db",
//              .start = [](actor_system& sys) { return sys.spawn(db_impl); },
//              .restart = restart_type::transient,
//              .shutdown = shutdown_policy::timeout(1s)}
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <type_traits>
#include <utility>

#include <ringactor/actor.hpp>
#include <ringactor/actor_system.hpp>

namespace ringactor::supervision {

/// When a child that exited is restarted (Erlang/OTP semantics):
/// permanent always; transient only after an abnormal exit (any reason but
/// normal and user_shutdown); temporary never (its spec is then removed).
enum class restart_type { permanent, transient, temporary };

/// How a child is stopped: asked to exit (user_shutdown) and killed if it
/// did not within `timeout`, or killed at once (brutal_kill).
struct shutdown_policy {
  std::chrono::nanoseconds wait = std::chrono::seconds{5};
  bool brutal = false;

  static shutdown_policy timeout(std::chrono::nanoseconds t) { return {t, false}; }
  static shutdown_policy brutal_kill() { return {std::chrono::nanoseconds{0}, true}; }
};

/// Starts a child: any callable taking the actor system and returning any
/// actor handle (host actor, kernel actor, another supervisor, a pool).
class child_factory {
public:
  child_factory() = default;

  template <class F>
    requires std::is_invocable_v<F&, actor_system&>
             && (!std::is_same_v<std::decay_t<F>, child_factory>)
  child_factory(F f) // NOLINT: implicit from a lambda by design
    : fn_([f = std::move(f)](actor_system& sys) mutable { return f(sys).ctrl(); }) {}

  strong_actor_ptr operator()(actor_system& sys) const { return fn_(sys); }
  explicit operator bool() const noexcept { return static_cast<bool>(fn_); }

private:
  std::function<strong_actor_ptr(actor_system&)> fn_;
};

struct child_spec {
  std::string name;
  child_factory start;
  restart_type restart = restart_type::permanent;
  shutdown_policy shutdown = {};
};

} // namespace ringactor::supervision
