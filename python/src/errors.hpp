// ringactor Python module: runtime errors as Python exceptions. The classes
// live in ringactor/exceptions.py (RingactorError and its subclasses);
// from_error there picks the class by the error's category and code.
#pragma once

#include <pybind11/pybind11.h>

#include <ringactor/error.hpp>

namespace ringactor::python {

namespace py = pybind11;

/// The exception object for `err` (the caller holds the GIL).
py::object make_exception(const error& err);

/// Raises `err` as its Python exception (throws py::error_already_set).
[[noreturn]] void raise_error(const error& err);

/// The text of the Python exception being handled ("TypeError: ..."), and
/// clears it. The caller holds the GIL.
std::string describe_python_error(py::error_already_set& e);

} // namespace ringactor::python
