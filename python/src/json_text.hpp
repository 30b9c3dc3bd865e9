// ringactor Python module: the JSON text of a Python value, written in C++
// (what Message._to_json does in Python, without building a dict and
// calling json.dumps: the conversion is on every request's path). An object
// of a class in ringactor.types is written as an object of its fields in
// schema order; the registry's JSON codec then reads it into the C++ type
// and names the field of any value it refuses.
#pragma once

#include <string>

#include <pybind11/pybind11.h>

namespace ringactor::python {

namespace py = pybind11;

/// Appends the JSON form of `x`: None, bool, int, float, str, list, tuple,
/// dict with str keys, and ringactor.types objects (nesting them). Throws
/// py::type_error for anything else, naming its type. GIL held.
void append_json(std::string& out, py::handle x, int depth = 0);

} // namespace ringactor::python
