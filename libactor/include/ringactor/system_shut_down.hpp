// ringactor: the exception a spawn throws once its actor system shuts down.
//
//   sys.shutdown();
//   try { sys.spawn(worker_impl); } catch (const system_shut_down& e) { ... }
#pragma once

#include <stdexcept>
#include <string>

namespace ringactor {

/// Thrown by every spawn (actor_system::spawn, an actor's spawn,
/// spawn_kernel) that starts after its system's shutdown() began: the actor
/// would never run. Spawning is a construction boundary, so this is an
/// exception rather than a dead handle the caller might not notice.
class system_shut_down : public std::runtime_error {
public:
  explicit system_shut_down(const std::string& what_spawned)
    : std::runtime_error("ringactor: cannot spawn " + what_spawned
                         + ": the actor system is shut down (shutdown() was called)") {}
};

} // namespace ringactor
