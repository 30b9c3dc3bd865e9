// ringactor service: the JSON description of a message or reply type that
// GET /kernels shows, derived from inspect() through the wire layer's
// schema (schema.hpp):
//
//   service::description_json<calc::add>()
//   // {"name":"calc.add","fields":[{"name":"a","type":"i32"},{"name":"b","type":"i32"}],
//   //  "nested":[],"enumerators":[]}
//   service::description_json<std::int32_t>() // {"name":"i32","fields":[],...}
//
// A type that is no object (a number, a string, a list) has its wire
// spelling as its name and no fields; void is "void".
#pragma once

#include <string>
#include <type_traits>

#include <ringactor/json_format.hpp>
#include <ringactor/schema.hpp>

namespace ringactor::service {

/// The schema of T as GET /kernels shows it.
template <class T>
wire::type_schema description_of() {
  if constexpr (std::is_void_v<T>) {
    return wire::type_schema{"void", {}, {}, {}};
  } else if constexpr (wire::kind_of<T> == wire::field_kind::object) {
    return wire::schema_of<T>();
  } else {
    wire::type_schema out;
    wire::detail::schema_walk w{&out, {}};
    out.name = wire::detail::type_string<T>(w);
    wire::detail::normalize(out);
    return out;
  }
}

/// The name of T in a description: its wire name or spelling ("i32").
template <class T>
std::string type_name() {
  return description_of<T>().name;
}

/// description_of<T>() as JSON text.
template <class T>
std::string description_json() {
  auto text = to_json(description_of<T>());
  return text ? std::move(*text) : std::string{"null"};
}

} // namespace ringactor::service
