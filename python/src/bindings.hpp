// ringactor Python module: the parts of the extension `_ringactor`, one
// concept per file, each adding its classes and functions to the module
// (module.cpp calls them in order). Later parts (pub/sub, NumPy/DLPack,
// pools) add a file and a bind_ function here.
#pragma once

#include <pybind11/pybind11.h>

namespace ringactor::python {

namespace py = pybind11;

/// The error codes the Python exceptions are chosen by (errors.cpp).
void bind_errors(py::module_& m);
/// The type registry's entries and digest (types.cpp).
void bind_types(py::module_& m);
/// ActorSystem: configuration, spawn, lookup, register, shutdown (system.cpp).
void bind_system(py::module_& m);
/// Actor handles (send, request, ask, monitor, link) and what a Python
/// actor's handler may call: become, quit, current (actors.cpp).
void bind_actors(py::module_& m);
/// Pools of Python or C++ workers, supervisors of Python children, their
/// statistics (supervision.cpp). After bind_system: it adds to System.
void bind_supervision(py::module_& m);
/// Publish and subscribe on the system's topics (topics.cpp).
void bind_topics(py::module_& m);
/// ringactor.DeviceBuffer: arrays to kernels and back (buffers.cpp; where
/// DLPack's header is).
void bind_buffers(py::module_& m);
/// The capsule of the in-process message types (inprocess_types.cpp).
void bind_inprocess_types(py::module_& m);

} // namespace ringactor::python
