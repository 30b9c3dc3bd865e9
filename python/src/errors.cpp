// ringactor Python module: runtime errors as Python exceptions (errors.hpp).
#include "errors.hpp"

#include <string>

#include <ringactor/supervision/errors.hpp>
#include <ringactor/wire_error.hpp>

#include "bindings.hpp"
#include "python_objects.hpp"

namespace ringactor::python {

py::object make_exception(const error& err) {
  static PyObject* from_error = nullptr; // see python_objects.hpp
  return cached_attr(from_error, "ringactor.exceptions",
                     "from_error")(err.code().value(), std::string{err.category_name()},
                                   err.message(), std::string{err.context()});
}

void raise_error(const error& err) {
  auto exc = make_exception(err);
  PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exc.ptr())), exc.ptr());
  throw py::error_already_set();
}

std::string describe_python_error(py::error_already_set& e) {
  std::string text = e.what();
  e.restore();
  PyErr_Clear();
  return text;
}

void bind_errors(py::module_& m) {
  // The codes by name, so that exceptions.py maps names, not numbers.
  py::dict sec_codes;
  sec_codes["request_timeout"] = static_cast<int>(sec::request_timeout);
  sec_codes["dead_receiver"] = static_cast<int>(sec::dead_receiver);
  sec_codes["unexpected_message"] = static_cast<int>(sec::unexpected_message);
  sec_codes["unexpected_response"] = static_cast<int>(sec::unexpected_response);
  sec_codes["broken_promise"] = static_cast<int>(sec::broken_promise);
  sec_codes["invalid_argument"] = static_cast<int>(sec::invalid_argument);
  sec_codes["no_such_actor"] = static_cast<int>(sec::no_such_actor);
  sec_codes["interface_mismatch"] = static_cast<int>(sec::interface_mismatch);
  m.attr("sec_codes") = sec_codes;
  py::dict supervision_codes;
  using supervision::supervision_error;
  supervision_codes["worker_failed"] = static_cast<int>(supervision_error::worker_failed);
  supervision_codes["pool_unavailable"] = static_cast<int>(supervision_error::pool_unavailable);
  supervision_codes["request_cancelled"] = static_cast<int>(supervision_error::request_cancelled);
  m.attr("supervision_codes") = supervision_codes;
  py::dict exit_codes;
  exit_codes["normal"] = static_cast<int>(exit_reason::normal);
  exit_codes["unhandled_exception"] = static_cast<int>(exit_reason::unhandled_exception);
  exit_codes["user_shutdown"] = static_cast<int>(exit_reason::user_shutdown);
  exit_codes["kill"] = static_cast<int>(exit_reason::kill);
  m.attr("exit_codes") = exit_codes;
}

} // namespace ringactor::python
