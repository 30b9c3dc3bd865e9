// ringactor Python module: values between Python and C++.
//
// Python -> C++ (to_element, with the GIL): None -> unit_t, bool -> bool,
// int -> std::int64_t (std::uint64_t past its range), float -> double,
// str -> std::string, bytes -> std::vector<std::byte>, a list of ints,
// floats or strs -> std::vector of the same, a dict of str to int, float or
// str -> std::map<std::string, ...>, and an object of a class in
// ringactor.types -> the registered C++ type, through its binary form
// written from the object (typed_values.hpp), or through the registry's
// JSON codec for a type that path does not take (a value either refuses is
// a WireError naming the field).
//
// C++ -> Python (detach without the GIL, then to_python with it): the same
// table backwards (every integer width, float and double), error values as
// exceptions, and any type with a JSON codec in the registry as an object
// of its ringactor.types class (read from its binary form where
// typed_values.hpp has a plan for it, else from its JSON text). A py_value crosses unconverted both ways;
// a pool's and a supervisor's statistics come back as the objects
// supervision.cpp binds. detach copies what the runtime owns (a
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
#include <ringactor/supervision/pool_stats.hpp>
#include <ringactor/supervision/supervisor.hpp>

#include "gil.hpp"
#include "handle.hpp"
#include "inprocess_types.hpp"
#include "typed_values.hpp"

namespace ringactor::python {

namespace py = pybind11;

/// A Python object as a message, unconverted: what a pool of Python
/// workers forwards to them and what they answer with (pools.hpp). Copies
/// share the object (a pool keeps one to send again); the last drops it
/// with the GIL held (py_ref), so any thread may copy and drop it.
struct py_value {
  std::shared_ptr<py_ref> obj;
  /// The object's Python hash (0 for an unhashable one): the key of a
  /// pool's consistent_hash dispatch (supervision/dispatch.hpp).
  std::uint64_t key = 0;
};

/// A registered type's value as JSON text, with its stable name.
struct json_value {
  std::string type;
  std::string text;
};

/// A value of an in-process type (inprocess_types.hpp), copied.
struct inprocess_value {
  std::shared_ptr<const inprocess_type> type;
  std::shared_ptr<const void> value;
};

/// A C++ value copied out of a message, held without the GIL.
using detached_value = std::variant<
  std::monostate, bool, std::int64_t, std::uint64_t, double, std::string, std::vector<std::byte>,
  std::vector<std::int64_t>, std::vector<double>, std::vector<std::string>,
  std::map<std::string, std::int64_t>, std::map<std::string, double>,
  std::map<std::string, std::string>, typed_bytes, inprocess_value, json_value, error, py_value,
  supervision::pool_stats, supervision::supervisor_counts, std::vector<supervision::child_info>>;

/// Copies the payload of `x`; an error for a type with no Python form
/// (neither in the table above nor in the registry with a JSON codec).
expected<detached_value> detach(mailbox_element& x);

/// The Python object of `x` (an error value becomes its exception object).
/// Handles in it (a supervisor's children) belong to `box` (null: id-only
/// handles). The caller holds the GIL.
py::object to_python(detached_value x, const std::shared_ptr<system_box>& box = nullptr);

/// The message for `obj` (no sender, no id yet). Throws py::type_error
/// for a value with no C++ form, and raises WireError for a registered
/// type's value that its JSON codec refuses. The caller holds the GIL.
mailbox_element_ptr to_element(actor_system& sys, py::handle obj);

/// The message for `obj` sent to an actor: a py_value when the actor takes
/// Python objects unconverted (`python_values`, a pool of Python
/// workers), else to_element. A pool's control messages
/// (ringactor._ringactor.GetPoolStats, ...) are never wrapped.
mailbox_element_ptr to_element_for(actor_system& sys, bool python_values, py::handle obj);

/// A py_value of `obj` (the caller holds the GIL).
py_value wrap_python(py::handle obj);

} // namespace ringactor::python
