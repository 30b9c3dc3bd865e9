// ringactor Python module: the JSON text of a Python value (json_text.hpp).
#include "json_text.hpp"

#include <fmt/format.h>

namespace ringactor::python {

namespace {

/// Deeper than any message: a cycle (a list containing itself).
constexpr int max_depth = 64;

void append_string(std::string& out, PyObject* s) {
  Py_ssize_t n = 0;
  const char* data = PyUnicode_AsUTF8AndSize(s, &n);
  if (data == nullptr)
    throw py::error_already_set();
  out += '"';
  for (Py_ssize_t i = 0; i < n; ++i) {
    auto c = static_cast<unsigned char>(data[i]);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20)
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
        else
          out += static_cast<char>(c);
    }
  }
  out += '"';
}

void append_sequence(std::string& out, PyObject* seq, int depth) {
  auto n = PySequence_Fast_GET_SIZE(seq);
  auto items = PySequence_Fast_ITEMS(seq);
  out += '[';
  for (Py_ssize_t i = 0; i < n; ++i) {
    if (i > 0)
      out += ',';
    append_json(out, items[i], depth + 1);
  }
  out += ']';
}

} // namespace

void append_json(std::string& out, py::handle x, int depth) {
  if (depth > max_depth)
    throw py::type_error("a value nests deeper than 64 levels (a cycle?)");
  PyObject* p = x.ptr();
  if (p == Py_None) {
    out += "null";
  } else if (p == Py_True) {
    out += "true";
  } else if (p == Py_False) {
    out += "false";
  } else if (PyLong_Check(p)) {
    int overflow = 0;
    auto v = PyLong_AsLongLongAndOverflow(p, &overflow);
    if (overflow == 0) {
      fmt::format_to(std::back_inserter(out), "{}", v);
    } else {
      auto u = PyLong_AsUnsignedLongLong(p);
      if (PyErr_Occurred() != nullptr) {
        PyErr_Clear();
        throw py::type_error("an int past the range of 64 bits has no C++ form");
      }
      fmt::format_to(std::back_inserter(out), "{}", u);
    }
  } else if (PyFloat_Check(p)) {
    // Shortest round-trip form; NaN and infinities come out as such, and
    // the JSON codec refuses them (a wire error naming the field).
    fmt::format_to(std::back_inserter(out), "{}", PyFloat_AS_DOUBLE(p));
  } else if (PyUnicode_Check(p)) {
    append_string(out, p);
  } else if (PyList_Check(p) || PyTuple_Check(p)) {
    append_sequence(out, p, depth);
  } else if (PyDict_Check(p)) {
    out += '{';
    PyObject* key = nullptr;
    PyObject* value = nullptr;
    Py_ssize_t pos = 0;
    bool first = true;
    while (PyDict_Next(p, &pos, &key, &value)) {
      if (!PyUnicode_Check(key))
        throw py::type_error("a dict crosses to C++ only with str keys");
      if (!first)
        out += ',';
      first = false;
      append_string(out, key);
      out += ':';
      append_json(out, value, depth + 1);
    }
    out += '}';
  } else if (py::hasattr(x, "__ringactor_type__")) {
    auto fields = x.attr("__fields__");
    out += '{';
    bool first = true;
    for (auto f : fields) {
      auto name = f.cast<py::tuple>()[0];
      if (!first)
        out += ',';
      first = false;
      append_string(out, name.ptr());
      out += ':';
      append_json(out, x.attr(name), depth + 1);
    }
    out += '}';
  } else {
    throw py::type_error(
      fmt::format("a field value of type {} has no C++ form",
                  py::str(py::type::handle_of(x).attr("__name__")).cast<std::string>()));
  }
}

} // namespace ringactor::python
