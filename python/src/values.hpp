// ringactor Python module: values between Python and C++.
//
// Python -> C++ (to_element, with the GIL): None -> unit_t, bool -> bool,
// int -> std::int64_t (std::uint64_t past its range), float -> double,
// str -> std::string, bytes -> std::vector<std::byte>, a list of ints,
// floats or strs -> std::vector of the same, a dict of str to int, float or
// str -> std::map<std::string, ...>, and an object of a class in
// ringactor.types -> the registered C++ type, through the type registry's
// JSON codec (a value the codec refuses is a WireError naming the field).
//
// C++ -> Python (detach without the GIL, then to_python with it): the same
// table backwards (every integer width, float and double), error values as
// exceptions, and any type with a JSON codec in the registry as an object
// of its ringactor.types class. detach copies what the runtime owns (a
// reply element lives only during its callback) so that the GIL is taken
// after the runtime let go of it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include <pybind11/pybind11.h>

#include <ringactor/actor_system.hpp>
#include <ringactor/error.hpp>
#include <ringactor/expected.hpp>
#include <ringactor/mailbox_element.hpp>

namespace ringactor::python {

namespace py = pybind11;

/// A registered type's value as JSON text, with its stable name.
struct json_value {
  std::string type;
  std::string text;
};

/// A C++ value copied out of a message, held without the GIL.
using detached_value = std::variant<
  std::monostate, bool, std::int64_t, std::uint64_t, double, std::string, std::vector<std::byte>,
  std::vector<std::int64_t>, std::vector<double>, std::vector<std::string>,
  std::map<std::string, std::int64_t>, std::map<std::string, double>,
  std::map<std::string, std::string>, json_value, error>;

/// Copies the payload of `x`; an error for a type with no Python form
/// (neither in the table above nor in the registry with a JSON codec).
expected<detached_value> detach(mailbox_element& x);

/// The Python object of `x` (an error value becomes its exception object).
/// The caller holds the GIL.
py::object to_python(detached_value x);

/// The message for `obj` (no sender, no id yet). Throws py::type_error
/// for a value with no C++ form, and raises WireError for a registered
/// type's value that its JSON codec refuses. The caller holds the GIL.
mailbox_element_ptr to_element(actor_system& sys, py::handle obj);

} // namespace ringactor::python
