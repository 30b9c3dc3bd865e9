// ringactor: options for spawning from inside an actor, as in CAF:
//
//   auto child = self->spawn<linked>(worker_impl);              // linked to self
//   auto watched = self->spawn<monitored>(worker_impl);         // self gets its down_msg
//   auto both = self->spawn<linked + monitored>(worker_impl);
//
// The link or monitor is set up before the child runs its first line, so a
// child that fails at once (even in its behavior function) is still seen.
#pragma once

#include <cstdint>

namespace ringactor {

/// A set of spawn options; combine with `+` (or `|`).
enum class spawn_options : uint32_t {
  no_flags = 0,
  link_flag = 1,    ///< link the child and the spawning actor
  monitor_flag = 2, ///< the spawning actor monitors the child
};

constexpr spawn_options operator+(spawn_options x, spawn_options y) noexcept {
  return static_cast<spawn_options>(static_cast<uint32_t>(x) | static_cast<uint32_t>(y));
}

constexpr spawn_options operator|(spawn_options x, spawn_options y) noexcept {
  return x + y;
}

/// True if `x` includes every flag of `flag`.
constexpr bool has_spawn_option(spawn_options x, spawn_options flag) noexcept {
  return (static_cast<uint32_t>(x) & static_cast<uint32_t>(flag)) == static_cast<uint32_t>(flag);
}

/// Spawn nothing special (the default).
inline constexpr spawn_options no_spawn_options = spawn_options::no_flags;
/// `self->spawn<linked>(f)`: the child and `self` are linked.
inline constexpr spawn_options linked = spawn_options::link_flag;
/// `self->spawn<monitored>(f)`: `self` receives the child's down_msg.
inline constexpr spawn_options monitored = spawn_options::monitor_flag;

} // namespace ringactor
