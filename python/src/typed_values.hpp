// ringactor Python module: objects of ringactor.types classes to and from
// their registered C++ types without text in between.
//
// The JSON path (json_text.cpp, the registry's JSON codec) wrote a Python
// object as JSON text and parsed it again in C++, and the reply back; it
// was about 4 us of a 12 us round trip. This path writes the type's binary
// wire form straight from the Python object, walking a plan compiled once
// per type from the registry's schema (field names and types), and hands
// the bytes to the registry's binary codec, which builds the typed value
// (one memcpy for a trivially copyable type). A reply goes the other way:
// the binary codec saves the value (without the GIL), and the plan reads
// the bytes into an object of the type's class (with it). No core header
// changes: the binary format is already described by the schema
// (little-endian fixed-width scalars, LEB128 lengths, fields in order;
// docs/architecture.md, "Wire format").
//
// Why the binary format and not a new codec kind in the registry: every
// registered, inspectable type has a binary codec already, so the direct
// path needs no change to type_registry.hpp (which every translation unit
// of the tree includes) and no third generated codec per type. The binary
// codec is the one remote nodes use: nothing crosses here that a remote
// peer could not send anyway, and the loader validates as it does for them.
//
// A schema with a field kind the plan does not take (a variant, an actor
// handle, an error, a described enum, a map whose keys are not strings, a
// floating duration) keeps the JSON path, whose Python forms of those kinds
// ({"alt": v}, {"node", "id"}, the enumerator's name) ringactor.types
// already uses.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include <pybind11/pybind11.h>

#include <ringactor/expected.hpp>
#include <ringactor/mailbox_element.hpp>

namespace ringactor::python {

namespace py = pybind11;

struct type_plan;

/// A registered type's value in its binary form, held without the GIL.
struct typed_bytes {
  const type_plan* plan = nullptr;
  std::vector<std::byte> bytes;
};

/// The message for `obj`, an object of a ringactor.types class, through
/// the direct path; null when its type has no plan (the caller takes the
/// JSON path). Raises WireError naming the field for a value that does not
/// fit its field (one set past the constructor's checks). The caller holds
/// the GIL.
mailbox_element_ptr typed_to_element(py::handle obj);

/// The binary form of `x`'s payload when its type has a plan (nullopt:
/// it has none); an error when its codec refuses the value. Runs without
/// the GIL.
std::optional<expected<typed_bytes>> typed_detach(mailbox_element& x);

/// The object of the type's ringactor.types class for `x`. The caller
/// holds the GIL.
py::object typed_to_python(const typed_bytes& x);

/// Values converted through the direct path so far, each way (the tests
/// read them to see which path a value took).
struct typed_counts {
  std::uint64_t to_cpp = 0;
  std::uint64_t to_python = 0;
};
typed_counts typed_conversions() noexcept;

/// Whether the registered type `name` takes the direct path (false: the
/// JSON path, or no such type).
bool has_typed_plan(std::string_view name);

} // namespace ringactor::python
