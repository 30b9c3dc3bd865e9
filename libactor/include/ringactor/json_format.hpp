// ringactor: the JSON wire format, for REST, WebSocket and Python. The same
// inspect() functions as the binary format; a field's name is its JSON key.
// Installed, and compiled into the library, only in a build with JSON
// (meson -Djson=auto|enabled, Boost.JSON 1.81); such a build defines
// RINGACTOR_HAS_JSON (also in `pkg-config --cflags ringactor`).
//
//   auto text = to_json(shop::order{7, 2, {"gift"}});   // {"id":7,"qty":2,"tags":["gift"]}
//   shop::order o;
//   if (auto r = from_json(*text, o); !r) fmt::print("{}\n", r.error());
//   auto m = from_json("shop.order", *text);             // a dynamic_message, by name
//
// How each field kind is written:
//   integers, enums      a JSON integer, exactly (int64 and uint64 never pass through a
//                        double); an enum as its underlying integer, or, when
//                        RINGACTOR_ENUM describes it, as its enumerator's name ("green";
//                        a name or value that is no enumerator is invalid_value)
//   floats               the shortest text that reads back to the same value; NaN and
//                        infinities are refused (nan_not_allowed) unless
//                        wire_limits::allow_nan, then the strings "NaN", "Infinity",
//                        "-Infinity"
//   bool, std::string    true/false, a string (UTF-8, validated both ways)
//   inspectable type     an object, one member per field, in inspect() order
//   vector, array        an array (a std::array's length must match)
//   optional             null when empty; as a field it may also be absent
//   variant              {"<key>": value}, key = the alternative's registered name or its
//                        index (json/json_variant_key.hpp)
//   map                  std::string keys: an object; other keys: [[key, value], ...]
//   duration             its count, as an integer (a float for a floating rep), in the
//                        duration's own period: std::chrono::milliseconds{5} is 5
//   actor handle         {"node": N, "id": I}; read back only into actor_address
//   error                null for no error, else {"category": "wire", "code": 3,
//                        "context": "..."} (context may be absent when reading)
//
// Reading is strict: a missing field (unless optional) is missing_field, a
// key the type lacks unknown_field (wire_limits::allow_unknown_fields skips
// it), a JSON type other than the field's type_mismatch, an integer past its
// field's range integer_overflow, and every limit of wire_limits holds
// (max_message_size bytes of text, max_container_length elements, entries or
// string bytes, max_depth nesting, checked by the parser before it descends).
// Each error names the type, the field path and the JSON pointer:
//   "shop.order: order.tags[3]: at /tags/3: expected a string, got an integer".
// Known limit: Boost.JSON keeps the last of duplicate keys in one object.
#pragma once

#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "ringactor/dynamic_message.hpp"
#include "ringactor/expected.hpp"
#include "ringactor/inspect.hpp"
#include "ringactor/json/json_reader.hpp"
#include "ringactor/json/json_writer.hpp"
#include "ringactor/wire_error.hpp"

namespace ringactor {

/// Appends the JSON text of `x` to `out`; on an error `out` is as it was.
template <class T>
expected<void> append_json(std::string& out, const T& x, const wire_limits& limits = {}) {
  static_assert(wire::check_field_type<T>());
  auto start = out.size();
  wire::json_writer w(out, limits, wire::wire_name_of<T>());
  if (!w.value(const_cast<T&>(x))) { // a saving walk writes nothing
    out.resize(start);
    return w.get_error();
  }
  if (out.size() - start > limits.max_message_size) {
    auto n = out.size() - start;
    out.resize(start);
    return wire::make_error(wire_errc::limit_exceeded, wire::wire_name_of<T>(), {}, {},
                            "the JSON text has " + std::to_string(n)
                              + " bytes, past max_message_size ("
                              + std::to_string(limits.max_message_size) + ")");
  }
  return {};
}

/// The JSON text of `x`.
template <class T>
expected<std::string> to_json(const T& x, const wire_limits& limits = {}) {
  std::string out;
  if (auto r = append_json(out, x, limits); !r)
    return r.error();
  return out;
}

/// Reads `out` from the JSON text `in` (one value, nothing after it but
/// whitespace). On an error `out` may be partly written.
template <class T>
  requires(!std::is_convertible_v<T&, std::string_view>) // not from_json(name, text)
expected<void> from_json(std::string_view in, T& out, const wire_limits& limits = {}) {
  static_assert(wire::check_field_type<T>());
  auto type = wire::wire_name_of<T>();
  auto doc = wire::parse_json(in, limits, type);
  if (!doc)
    return doc.error();
  wire::json_reader r(doc->root(), limits, type);
  if (!r.value(out))
    return r.get_error();
  return {};
}

/// Reads a message of the registered type `type_name` from JSON text:
/// unknown_type if no type has that name, not_inspectable if it has no
/// inspect(), else what from_json<T> says.
expected<dynamic_message> from_json(std::string_view type_name, std::string_view in,
                                    const wire_limits& limits = {});

/// The JSON text of a message of a registered type.
expected<std::string> to_json(const dynamic_message& msg, const wire_limits& limits = {});

namespace detail {

// The registry's JSON codec of T (type_registry.hpp fills the slot).

template <class T>
expected<void> save_json(const void* value, std::string& out, const wire_limits& limits) {
  return append_json(out, *static_cast<const T*>(value), limits);
}

template <class T>
expected<dynamic_message> load_json(std::string_view in, const wire_limits& limits) {
  T x{};
  if (auto r = from_json(in, x, limits); !r)
    return r.error();
  return dynamic_message::from(std::move(x));
}

} // namespace detail

} // namespace ringactor
