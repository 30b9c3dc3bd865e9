// ringactor Python module: the actor system. Configuration comes from
// keyword arguments (the TOML keys, e.g. system.workers) or a TOML file,
// through telemetry::load_config, so a bad key or value is the loader's
// error naming it. Spawning a Python actor, lookup and register by name,
// monitors, shutdown.
#include <optional>
#include <string>
#include <vector>

#include <ringactor/telemetry/config_loader.hpp>
#include <ringactor/telemetry/runtime_schema.hpp>

#include <pybind11/stl.h>

#include "bindings.hpp"
#include "errors.hpp"
#include "gil.hpp"
#include "handle.hpp"
#include "python_actor.hpp"

namespace ringactor::python {

system_box::~system_box() {
  shutdown_without_gil(*this);
}

void shutdown_without_gil(system_box& box, std::optional<timespan> grace) {
  if (box.sys.stopping())
    return;
  auto run = [&] {
    if (grace)
      box.sys.shutdown(*grace);
    else
      box.sys.shutdown();
  };
  if (Py_IsInitialized() != 0 && PyGILState_Check() != 0) {
    py::gil_scoped_release nogil;
    run();
  } else {
    run();
  }
}

namespace {

using box_ptr = std::shared_ptr<system_box>;

/// A system configured by `args` ("--system.workers=2") and `file` (a TOML
/// file; empty: none). A configuration that does not load raises
/// ValueError with every error, one a line.
box_ptr make_system(std::vector<std::string> args, const std::string& file, bool environment) {
  telemetry::config_sources src;
  src.file = file;
  src.args = std::move(args);
  if (environment)
    src.environment = telemetry::process_environment();
  auto cfg = telemetry::load_config(src, telemetry::runtime_schema());
  if (!cfg)
    throw py::value_error("ringactor: the configuration does not load:\n"
                          + cfg.errors().to_string());
  cfg->apply_log_level();
  return std::make_shared<system_box>(cfg->system);
}

py_handle spawn_python(const box_ptr& box, py::handle handler, py::handle owner, bool trap_exit) {
  if (box->sys.stopping())
    raise_error(error{sec::invalid_argument, "spawn on a system that is shutting down"});
  auto h = box->sys.spawn<python_actor>(py_ref{handler}, py_ref{owner}, trap_exit,
                                        std::weak_ptr<system_box>{box});
  auto ptr = h.ctrl();
  auto id = ptr->id();
  return py_handle{std::move(ptr), id, box};
}

} // namespace

void bind_system(py::module_& m) {
  py::class_<system_box, box_ptr>(m, "System",
                                  "An actor system (use ringactor.ActorSystem, which wraps it).")
    .def(py::init(&make_system), py::arg("args"), py::arg("file") = std::string{},
         py::arg("environment") = false)
    .def("spawn", &spawn_python, py::arg("handler"), py::arg("owner") = py::none(),
         py::arg("trap_exit") = false, "Spawns a Python actor whose messages go to `handler`.")
    .def(
      "lookup",
      [](const box_ptr& box, const std::string& name) -> py::object {
        auto h = box->sys.registry().get<actor>(name);
        if (!h)
          return py::none();
        auto id = h->id();
        return py::cast(py_handle{h->ctrl(), id, box});
      },
      py::arg("name"), "The actor registered under `name`, or None.")
    .def(
      "register",
      [](const box_ptr& box, const std::string& name, const py_handle& h) {
        if (!h.ptr)
          raise_error(error{sec::dead_receiver, "register of a handle of an actor that is gone"});
        if (auto r = box->sys.registry().put(name, actor{h.ptr}); !r)
          raise_error(r.error());
      },
      py::arg("name"), py::arg("handle"),
      "Registers `handle` under `name` (named_actor_registry): C++ code finds it there.")
    .def(
      "unregister",
      [](const box_ptr& box, const std::string& name) { return box->sys.registry().erase(name); },
      py::arg("name"))
    .def(
      "shutdown",
      [](const box_ptr& box, py::object timeout) {
        std::optional<timespan> grace;
        if (!timeout.is_none()) {
          auto t = timeout.cast<double>();
          if (!(t >= 0))
            throw py::value_error("shutdown: timeout must be a number of seconds >= 0");
          grace = std::chrono::duration_cast<timespan>(std::chrono::duration<double>{t});
        }
        shutdown_without_gil(*box, grace);
      },
      py::arg("timeout") = py::none(),
      "Asks every actor to exit and waits up to `timeout` seconds (None: "
      "system.shutdown_grace), then kills the rest.")
    .def_property_readonly("stopping", [](const box_ptr& box) { return box->sys.stopping(); })
    .def_property_readonly("workers", [](const box_ptr& box) { return box->sys.config().workers; })
    .def_property_readonly("shutdown_grace", [](const box_ptr& box) {
      return std::chrono::duration<double>(box->sys.config().shutdown_grace).count();
    });
}

} // namespace ringactor::python
