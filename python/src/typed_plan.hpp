// ringactor Python module: a registered type's schema compiled into a plan
// for the direct path (typed_values.hpp): per field its name and kind, the
// plans of nested objects, and the type's binary codec. Built once per type
// from the registry's schema (field types spelled as schema.hpp does), kept
// for the process.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <pybind11/pybind11.h>

#include <ringactor/type_id.hpp>
#include <ringactor/type_registry.hpp>

namespace ringactor::python {

/// What a value is on the wire; value_plan::type keeps the schema's spelling.
enum class value_kind : std::uint8_t {
  boolean,
  i8,
  i16,
  i32,
  i64,
  u8,
  u16,
  u32,
  u64,
  f32,
  f64,
  string,
  list,
  array,
  optional,
  string_map,
  object
};

struct object_plan;

/// How one value (a field, an element) is written and read.
struct value_plan {
  value_kind kind = value_kind::boolean;
  std::string type;                 ///< the schema's spelling, for errors
  std::size_t count = 0;            ///< an array's length
  std::unique_ptr<value_plan> item; ///< a container's element, an optional's value
  object_plan* object = nullptr;    ///< a nested object's plan
};

/// A field of an object: its name, its value's plan.
struct field_plan {
  std::string name;
  value_plan value;
  PyObject* py_name = nullptr; ///< interned; set with the GIL held on first use
};

/// An inspectable object type: its fields in inspect order.
struct object_plan {
  std::string name; ///< the stable name
  std::vector<field_plan> fields;
  PyObject* cls = nullptr; ///< its ringactor.types class; set with the GIL held on first use
};

/// One registered type's plan: its binary codec and its object plans (the
/// type's own and every nested one), never freed.
struct type_plan {
  binary_codec binary;
  object_plan* root = nullptr;
  std::unordered_map<std::string, std::unique_ptr<object_plan>> objects;
};

/// The plan of the registered type `id`, built on first use without the
/// GIL; null when the type has none (not named, no schema or codecs, or a
/// field kind the direct path leaves to JSON). Thread-safe.
const type_plan* find_type_plan(type_id_t id);

} // namespace ringactor::python
