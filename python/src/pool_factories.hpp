// ringactor Python module: the pool factories Python spawns pools by name
// from. `sys.spawn_pool("adder", kind="kernel")` in Python finds "adder"
// here; C++ registers it, as for a configuration's [pools.NAME] table
// (telemetry/pool_factory_registry.hpp). C++ that is not _ringactor itself
// (an application's extension, an embedding program) reaches the registry
// through the module's capsule:
//
//   auto& reg = ringactor::python::pool_factories_of_module();  // GIL held
//   if (!reg.contains(telemetry::worker_kind::kernel, "adder"))
//     reg.add_kernel("adder", [](actor_system& sys, const telemetry::pool_spec& spec)
//                               -> expected<actor> { ... });
#pragma once

#include <string_view>

#include <pybind11/pybind11.h>

#include <ringactor/telemetry/pool_factory_registry.hpp>

namespace ringactor::python {

/// The attribute of `_ringactor` that holds the capsule, and its name.
inline constexpr const char* pool_factories_capsule = "_pool_factories";
inline constexpr const char* pool_factories_capsule_name = "ringactor._pool_factories";

/// The registry (in _ringactor; supervision.cpp).
telemetry::pool_factory_registry& pool_factories();

/// The registry, from any extension of the process: imports _ringactor
/// and reads its capsule. The caller holds the GIL.
inline telemetry::pool_factory_registry& pool_factories_of_module() {
  namespace py = pybind11;
  auto cap = py::module_::import("_ringactor").attr(pool_factories_capsule).cast<py::capsule>();
  if (std::string_view{cap.name()} != pool_factories_capsule_name)
    throw py::type_error("_ringactor._pool_factories is not ringactor's pool factory registry");
  return *static_cast<telemetry::pool_factory_registry*>(cap.get_pointer());
}

} // namespace ringactor::python
