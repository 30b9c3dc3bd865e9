// ringactor Python module: the Python functions the extension calls often
// (ringactor.types._from_json, ringactor.exceptions.from_error, the message
// classes), looked up once. The cache is a plain pointer written with the
// GIL held, never a function-local static: an import may release the GIL,
// and a second thread blocked on a static's guard while holding the GIL
// would deadlock with the first. Two threads may both look one up; one
// reference then leaks, which is harmless. The references are never
// dropped (they live as long as the interpreter).
#pragma once

#include <pybind11/pybind11.h>

namespace ringactor::python {

namespace py = pybind11;

/// `module.name`, imported on first use (the caller holds the GIL).
inline py::handle cached_attr(PyObject*& cache, const char* module, const char* name) {
  if (cache == nullptr)
    cache = py::object(py::module_::import(module).attr(name)).release().ptr();
  return cache;
}

} // namespace ringactor::python
