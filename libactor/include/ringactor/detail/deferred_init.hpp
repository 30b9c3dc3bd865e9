// ringactor (internal): an actor's init kept to run later, on a worker.
//
// spawn runs an actor's init (the function that returns its first behavior)
// in the spawning thread. An init that spawns runs the child's init inside
// its own, so a chain of spawns from init nests one spawn per link on the
// caller's stack. Past actor_system_config::max_inline_init_depth nested
// inits, spawn keeps the init in a deferred_init instead and the actor runs
// it on a worker before its first message, as CAF runs every init.
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>

#include "ringactor/behavior.hpp"

namespace ringactor::detail {

/// An init that owns what it needs (the function and copies of its
/// arguments), run once by the actor on a worker.
class deferred_init {
public:
  virtual ~deferred_init() = default;
  virtual behavior run() = 0;
};

template <class F>
class deferred_init_impl final : public deferred_init {
public:
  explicit deferred_init_impl(F f) : f_(std::move(f)) {}
  behavior run() override { return f_(); }

private:
  F f_;
};

/// How many inits run inside one another on this thread right now.
std::size_t& inline_init_depth() noexcept;

/// Counts one running init for as long as it lives.
class inline_init_scope {
public:
  inline_init_scope() noexcept { ++inline_init_depth(); }
  ~inline_init_scope() { --inline_init_depth(); }
  inline_init_scope(const inline_init_scope&) = delete;
  inline_init_scope& operator=(const inline_init_scope&) = delete;
};

/// Calls `f` with `self` and `args`, passed as rvalues where `f` accepts
/// them (they are used once) and as lvalues otherwise.
template <class F, class Self, class... Args>
decltype(auto) invoke_init(F& f, Self* self, Args&... args) {
  if constexpr (std::is_invocable_v<F&, Self*, Args&&...>)
    return f(self, std::move(args)...);
  else
    return f(self, args...);
}

template <class F, class... Args>
decltype(auto) invoke_init_without_self(F& f, Args&... args) {
  if constexpr (std::is_invocable_v<F&, Args&&...>)
    return f(std::move(args)...);
  else
    return f(args...);
}

} // namespace ringactor::detail
