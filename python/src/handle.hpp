// ringactor Python module: what Python holds of the runtime. A system_box
// owns one actor_system; the Python ActorSystem and every handle share it,
// so a handle outlives neither the system object nor its runtime. A
// py_handle names one actor (strongly, or by id only when it came from a
// down or exit message and the actor is gone).
#pragma once

#include <memory>
#include <optional>

#include <ringactor/actor.hpp>
#include <ringactor/actor_system.hpp>

namespace ringactor::python {

/// One actor system, shared by its Python object and its handles.
struct system_box {
  explicit system_box(actor_system_config cfg) : sys(std::move(cfg)) {}
  /// Shuts the system down with the GIL released (workers may be waiting
  /// for it to run a Python actor), unless it was shut down already.
  ~system_box();
  actor_system sys;
};

/// ringactor.Handle: an actor of a system.
struct py_handle {
  strong_actor_ptr ptr;            ///< null for a handle of a gone actor (id only)
  actor_id id = 0;                 ///< equality and hashing
  std::shared_ptr<system_box> box; ///< null for an id-only handle
  /// The actor takes Python objects unconverted, as py_value (a pool of
  /// Python workers): send, request and ask wrap what they send.
  bool python_values = false;
};

/// Shuts `box` down with the GIL released when the calling thread holds it,
/// waiting up to `grace` for its actors (none: system.shutdown_grace).
void shutdown_without_gil(system_box& box, std::optional<timespan> grace = std::nullopt);

} // namespace ringactor::python
