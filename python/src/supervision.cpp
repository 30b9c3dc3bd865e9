// ringactor Python module: supervision from Python (issue 23, item 5).
//
// A pool of Python workers is a supervision::pool over python_worker (one
// signature: py_value -> py_value), so a Python object reaches a worker
// unconverted and its answer comes back the same way; its handle says so
// (py_handle::python_values) and send/request/ask wrap what they send. A
// pool of C++ actors or kernels is spawned by the registered name of its
// workers' type through a telemetry::pool_factory_registry, the one the
// configuration's [pools.NAME] tables use (pool_factories.hpp). A
// supervisor takes child specs whose start functions are Python. Python
// start functions run on the pool's or supervisor's worker thread, which
// takes the GIL for the call only; they return what spawn needs (handler,
// owner, trap_exit), and the actor is spawned here, so that nothing in a
// start function holds the system (the system owns the function).
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <ringactor/actor_cast.hpp>
#include <ringactor/supervision/pool.hpp>
#include <ringactor/supervision/supervisor.hpp>
#include <ringactor/telemetry/pool_factory_registry.hpp>
#include <ringactor/telemetry/pool_spec.hpp>
#include <ringactor/typed_actor.hpp>

#include <pybind11/stl.h>

#include "bindings.hpp"
#include "errors.hpp"
#include "gil.hpp"
#include "handle.hpp"
#include "pool_factories.hpp"
#include "python_actor.hpp"
#include "values.hpp"

namespace ringactor::python {

namespace {

using box_ptr = std::shared_ptr<system_box>;
using seconds = std::chrono::duration<double>;

/// The interface of a Python worker in a pool: any Python object in, any
/// Python object out.
using python_worker = typed_actor<result<py_value>(py_value)>;

supervision::timespan span_of(double s, const char* what) {
  if (!(s >= 0))
    throw py::value_error(std::string{what} + " must be a number of seconds >= 0");
  return std::chrono::duration_cast<supervision::timespan>(seconds{s});
}

supervision::strategy strategy_of(const std::string& name, std::size_t max_restarts,
                                  double within) {
  auto span = span_of(within, "intensity's period");
  if (name == "one_for_one")
    return supervision::one_for_one{.max_restarts = max_restarts, .within = span};
  if (name == "one_for_all")
    return supervision::one_for_all{.max_restarts = max_restarts, .within = span};
  if (name == "rest_for_one")
    return supervision::rest_for_one{.max_restarts = max_restarts, .within = span};
  throw py::value_error("strategy must be 'one_for_one', 'one_for_all' or 'rest_for_one', not '"
                        + name + "'");
}

supervision::dispatch_policy dispatch_of(const std::string& name) {
  if (name == "round_robin")
    return supervision::round_robin{};
  if (name == "least_loaded")
    return supervision::least_loaded{};
  if (name == "broadcast")
    return supervision::broadcast{};
  if (name == "consistent_hash")
    return supervision::consistent_hash{};
  throw py::value_error("dispatch must be 'round_robin', 'least_loaded', 'broadcast' or "
                        "'consistent_hash', not '"
                        + name + "'");
}

supervision::restart_type restart_of(const std::string& name) {
  if (name == "permanent")
    return supervision::restart_type::permanent;
  if (name == "transient")
    return supervision::restart_type::transient;
  if (name == "temporary")
    return supervision::restart_type::temporary;
  throw py::value_error("restart must be 'permanent', 'transient' or 'temporary', not '" + name
                        + "'");
}

/// The settings a pool takes from Python, whatever its workers are.
struct pool_settings {
  std::string name;
  std::size_t size;
  std::string dispatch;
  bool idempotent;
  std::string strategy;
  std::size_t max_restarts;
  double within;
  std::size_t max_redispatches;
  std::size_t queue_capacity;
  double queue_timeout;
  double worker_timeout;
  std::size_t min_live_workers;
  std::size_t max_in_flight_per_worker;

  telemetry::pool_spec spec() const {
    telemetry::pool_spec s;
    s.name = name;
    s.size = size;
    s.dispatch = dispatch_of(dispatch);
    s.strategy = strategy_of(strategy, max_restarts, within);
    s.idempotent = idempotent;
    s.max_redispatches = max_redispatches;
    s.queue_capacity = queue_capacity;
    s.queue_timeout = span_of(queue_timeout, "queue_timeout");
    s.worker_timeout = span_of(worker_timeout, "worker_timeout");
    s.min_live_workers = min_live_workers;
    s.max_in_flight_per_worker = max_in_flight_per_worker;
    return s;
  }
};

/// Starts a Python actor with what `make` returns, (handler, owner,
/// trap_exit), on a runtime thread. Throws (the pool or supervisor counts
/// it as a failed start) when the interpreter is closing, when `make`
/// raises, or when the system is gone.
actor start_python(actor_system& sys, const std::shared_ptr<py_ref>& make,
                   const std::weak_ptr<system_box>& box) {
  python_scope scope;
  if (!scope.entered())
    throw std::runtime_error("the Python interpreter is shutting down");
  gil_hold gil;
  try {
    auto t = make->get()().cast<py::tuple>();
    if (t.size() != 3)
      throw std::runtime_error("a worker's start function returns (handler, owner, trap_exit)");
    auto h = sys.spawn<python_actor>(py_ref{t[0]}, py_ref{t[1]}, t[2].cast<bool>(), box);
    return actor{h.ctrl()};
  } catch (py::error_already_set& e) {
    throw std::runtime_error("the Python factory raised: " + describe_python_error(e));
  } catch (const py::cast_error& e) {
    throw std::runtime_error(std::string{"the Python factory's result: "} + e.what());
  }
}

py_handle handle_of(const strong_actor_ptr& ptr, const box_ptr& box, bool python_values) {
  auto id = ptr->id();
  return py_handle{ptr, id, box, python_values};
}

void check_running(const box_ptr& box) {
  if (box->sys.stopping())
    raise_error(error{sec::invalid_argument, "spawn on a system that is shutting down"});
}

py_handle spawn_python_pool(const box_ptr& box, py::handle make, const pool_settings& settings) {
  check_running(box);
  auto spec = settings.spec();
  auto fn = std::make_shared<py_ref>(make);
  std::weak_ptr<system_box> weak = box;
  auto pool = spec.to_pool<python_worker>([fn, weak](actor_system& sys) {
    return actor_cast<python_worker>(start_python(sys, fn, weak));
  });
  strong_actor_ptr ptr;
  {
    // The pool starts its workers, whose start functions take the GIL,
    // possibly on a worker thread while this one waits.
    py::gil_scoped_release nogil;
    try {
      ptr = box->sys.spawn(std::move(pool)).ctrl();
    } catch (const std::invalid_argument& e) {
      py::gil_scoped_acquire gil;
      throw py::value_error(e.what());
    }
  }
  return handle_of(ptr, box, true);
}

py_handle spawn_named_pool(const box_ptr& box, const std::string& kind,
                           const std::string& type_name, const pool_settings& settings) {
  check_running(box);
  auto spec = settings.spec();
  spec.type_name = type_name;
  if (kind == "kernel")
    spec.kind = telemetry::worker_kind::kernel;
  else if (kind == "actor")
    spec.kind = telemetry::worker_kind::actor;
  else
    throw py::value_error("kind must be 'kernel' or 'actor', not '" + kind + "'");
  auto h = [&] {
    py::gil_scoped_release nogil;
    return pool_factories().spawn(box->sys, spec);
  }();
  if (!h)
    raise_error(h.error());
  return handle_of(h->ctrl(), box, false);
}

/// A child spec as Python gives it: (name, start, restart, shutdown
/// seconds).
using py_child = std::tuple<std::string, py::object, std::string, double>;

py_handle spawn_supervisor(const box_ptr& box, const std::string& name, const std::string& strategy,
                           std::size_t max_restarts, double within,
                           const std::vector<py_child>& children) {
  check_running(box);
  supervision::supervisor sup;
  sup.name = name;
  sup.strategy = strategy_of(strategy, max_restarts, within);
  std::weak_ptr<system_box> weak = box;
  for (const auto& [child_name, start, restart, wait] : children) {
    auto fn = std::make_shared<py_ref>(start);
    supervision::child_spec spec;
    spec.name = child_name;
    spec.start = [fn, weak](actor_system& sys) { return start_python(sys, fn, weak); };
    spec.restart = restart_of(restart);
    spec.shutdown = supervision::shutdown_policy::timeout(span_of(wait, "shutdown"));
    sup.children.push_back(std::move(spec));
  }
  strong_actor_ptr ptr;
  {
    py::gil_scoped_release nogil;
    ptr = box->sys.spawn(std::move(sup)).ctrl();
  }
  return handle_of(ptr, box, false);
}

} // namespace

telemetry::pool_factory_registry& pool_factories() {
  // Never destroyed: a pool may restart a worker while the process exits.
  static auto* reg = new telemetry::pool_factory_registry;
  return *reg;
}

void bind_supervision(py::module_& m) {
  namespace sv = supervision;
  py::class_<sv::get_pool_stats>(m, "GetPoolStats", "Asks a pool for its PoolStats.")
    .def(py::init<>());
  py::class_<sv::pool_resize>(m, "PoolResize", "Grows or shrinks a pool (answered with None).")
    .def(py::init([](std::size_t n) { return sv::pool_resize{n}; }), py::arg("size"));
  py::class_<sv::count_children>(m, "CountChildren", "Asks a supervisor for its counts.")
    .def(py::init<>());
  py::class_<sv::which_children>(m, "WhichChildren",
                                 "Asks a supervisor for its children: (name, handle, restart, "
                                 "starts) each.")
    .def(py::init<>());
  py::class_<sv::worker_stats>(m, "WorkerStats", "One worker of a pool.")
    .def_readonly("name", &sv::worker_stats::name)
    .def_readonly("actor", &sv::worker_stats::actor)
    .def_readonly("running", &sv::worker_stats::running)
    .def_readonly("in_flight", &sv::worker_stats::in_flight)
    .def_readonly("served", &sv::worker_stats::served)
    .def_readonly("starts", &sv::worker_stats::starts)
    .def("__repr__", [](const sv::worker_stats& w) {
      return "<WorkerStats " + w.name + " served=" + std::to_string(w.served)
             + " starts=" + std::to_string(w.starts) + ">";
    });
  py::class_<sv::pool_stats>(m, "PoolStats",
                             "A pool's statistics (supervision/pool_stats.hpp says what each "
                             "counts).")
    .def_readonly("workers", &sv::pool_stats::workers)
    .def_readonly("queued", &sv::pool_stats::queued)
    .def_readonly("max_in_flight_per_worker", &sv::pool_stats::max_in_flight_per_worker)
    .def_readonly("served", &sv::pool_stats::served)
    .def_readonly("redispatched", &sv::pool_stats::redispatched)
    .def_readonly("failed", &sv::pool_stats::failed)
    .def_readonly("poisoned", &sv::pool_stats::poisoned)
    .def_readonly("unavailable", &sv::pool_stats::unavailable)
    .def_readonly("cancelled", &sv::pool_stats::cancelled)
    .def_readonly("restarts", &sv::pool_stats::restarts)
    .def("__repr__", [](const sv::pool_stats& s) {
      return "<PoolStats workers=" + std::to_string(s.workers.size())
             + " served=" + std::to_string(s.served) + " failed=" + std::to_string(s.failed)
             + " restarts=" + std::to_string(s.restarts) + ">";
    });
  py::class_<sv::supervisor_counts>(m, "SupervisorCounts", "A supervisor's children.")
    .def_readonly("specs", &sv::supervisor_counts::specs)
    .def_readonly("running", &sv::supervisor_counts::running)
    .def_readonly("restarts", &sv::supervisor_counts::restarts)
    .def("__repr__", [](const sv::supervisor_counts& c) {
      return "<SupervisorCounts specs=" + std::to_string(c.specs) + " running="
             + std::to_string(c.running) + " restarts=" + std::to_string(c.restarts) + ">";
    });

  py::class_<pool_settings>(m, "PoolSettings", "What spawn_pool passes on (see ActorSystem).")
    .def(py::init<std::string, std::size_t, std::string, bool, std::string, std::size_t, double,
                  std::size_t, std::size_t, double, double, std::size_t, std::size_t>(),
         py::arg("name"), py::arg("size"), py::arg("dispatch"), py::arg("idempotent"),
         py::arg("strategy"), py::arg("max_restarts"), py::arg("within"),
         py::arg("max_redispatches"), py::arg("queue_capacity"), py::arg("queue_timeout"),
         py::arg("worker_timeout"), py::arg("min_live_workers"),
         py::arg("max_in_flight_per_worker"));

  auto system = py::reinterpret_borrow<py::object>(m.attr("System"));
  system.attr("spawn_pool") = py::cpp_function(
    &spawn_python_pool, py::is_method(system), py::arg("make"), py::arg("settings"),
    "Spawns a pool of Python workers; `make()` returns (handler, owner, trap_exit) per worker.");
  system.attr("spawn_named_pool") = py::cpp_function(
    &spawn_named_pool, py::is_method(system), py::arg("kind"), py::arg("type_name"),
    py::arg("settings"),
    "Spawns a pool whose workers are the C++ type registered under `type_name` "
    "(pool_factories), of `kind` 'kernel' or 'actor'.");
  system.attr("spawn_supervisor") = py::cpp_function(
    &spawn_supervisor, py::is_method(system), py::arg("name"), py::arg("strategy"),
    py::arg("max_restarts"), py::arg("within"), py::arg("children"),
    "Spawns a supervisor of Python children: (name, start, restart, shutdown seconds) each.");

  m.def(
    "pool_factory_names",
    [](const std::string& kind, const std::string& name) {
      auto k = kind == "kernel" ? telemetry::worker_kind::kernel : telemetry::worker_kind::actor;
      return pool_factories().contains(k, name);
    },
    py::arg("kind"), py::arg("name"), "Whether a pool factory of `kind` is registered as `name`.");
  // Other extensions (an application's, the tests') reach the registry
  // through this capsule: Python loads extensions with RTLD_LOCAL, so a
  // C++ symbol of this one is not theirs to link against.
  m.attr(pool_factories_capsule) = py::capsule(static_cast<void*>(&pool_factories()),
                                               pool_factories_capsule_name);
}

} // namespace ringactor::python
