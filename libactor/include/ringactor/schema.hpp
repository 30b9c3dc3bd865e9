// ringactor: the schema of a message type, its digest, and the comparison
// two processes run when they meet. A schema is a value (it is inspectable
// itself, so a remote node or a Python module can send theirs):
//
//   auto mine = wire::schema_of<shop::order>();
//   if (auto r = wire::check_schema(mine, theirs); !r)
//     log_error("{}", r.error()); // wire: ... shop.order: field 'qty': i32 here, i64 there
//
// A schema names the type (its stable name), each field's name and type,
// and every object type reached through the fields (once each, in
// `nested`). A field's type is spelled "i32", "u64", "f64", "bool",
// "string", "list<T>", "array<T,N>", "optional<T>", "variant<A|B>",
// "map<K,V>", "duration<i64,1/1000000000>", "enum<i32>", "actor", "error",
// or a nested type's wire name (register nested types too: an unregistered
// one is named as the compiler spells it, which differs between namespaces).
// An enum described by RINGACTOR_ENUM is "enum<shop.color:u8>" and is listed
// in `nested` with its enumerators (names and values), so that adding,
// removing, renaming or renumbering one changes the digest.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <fmt/format.h>

#include "ringactor/expected.hpp"
#include "ringactor/inspect.hpp"
#include "ringactor/wire/enum_description.hpp"

namespace ringactor::wire {

struct field_schema {
  std::string name;
  std::string type;
  friend bool operator==(const field_schema&, const field_schema&) = default;
};

template <class Inspector>
bool inspect(Inspector& f, field_schema& x) {
  return f.object(x).fields(f.field("name", x.name), f.field("type", x.type));
}
RINGACTOR_TYPE_NAME(field_schema, "ringactor.field_schema")

/// One enumerator of a described enum: its name and its value in decimal
/// (exact for every underlying type).
struct enumerator_schema {
  std::string name;
  std::string value;
  friend bool operator==(const enumerator_schema&, const enumerator_schema&) = default;
};

template <class Inspector>
bool inspect(Inspector& f, enumerator_schema& x) {
  return f.object(x).fields(f.field("name", x.name), f.field("value", x.value));
}
RINGACTOR_TYPE_NAME(enumerator_schema, "ringactor.enumerator_schema")

struct type_schema {
  std::string name;                           ///< the stable name
  std::vector<field_schema> fields;           ///< in inspect order
  std::vector<type_schema> nested;            ///< object and described enum types reached through
                                              ///< fields, sorted by name
  std::vector<enumerator_schema> enumerators; ///< a described enum's, in the order listed
  friend bool operator==(const type_schema&, const type_schema&) = default;
};

template <class Inspector>
bool inspect(Inspector& f, type_schema& x) {
  return f.object(x).fields(f.field("name", x.name), f.field("fields", x.fields),
                            f.field("nested", x.nested), f.field("enumerators", x.enumerators));
}
/// Registered (type_registry.hpp) under this name: a schema can be sent.
RINGACTOR_TYPE_NAME(type_schema, "ringactor.type_schema")

/// 64-bit FNV-1a: the hash behind stable ids and digests (the same in every
/// process and build).
constexpr std::uint64_t fnv1a64(std::string_view str,
                                std::uint64_t h = 0xcbf29ce484222325ull) noexcept {
  for (char c : str) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ull;
  }
  return h;
}

/// The digest of a schema: over its name, its fields' names and types, and
/// its nested types, in a canonical text form.
std::uint64_t digest_of(const type_schema& x);

/// The first difference between two schemas of (what should be) one type.
struct schema_difference {
  std::string type;  ///< the type that differs (the top type or a nested one)
  std::string field; ///< its first field (or enumerator) that differs; empty if the names differ
  std::string what;  ///< e.g. "i32 here, i64 there"
  bool enumerator = false; ///< `field` names an enumerator of the enum `type`
};

/// The first difference, or nullopt when both describe the same type.
std::optional<schema_difference> compare_schemas(const type_schema& local,
                                                 const type_schema& remote);

/// Nothing when the schemas agree, else digest_mismatch naming the type and
/// the first field that differs.
expected<void> check_schema(const type_schema& local, const type_schema& remote);

/// The spelling of an integer or float type: "i32", "u8", "f64", ...
std::string scalar_type_name(bool is_signed, bool is_float, std::size_t size);

namespace detail {

struct schema_walk {
  type_schema* root;
  std::vector<std::string> visited; ///< object types described already
};

template <class T>
void describe(schema_walk& w, type_schema& out);

template <class T>
std::string type_string(schema_walk& w);

template <class... Ts>
std::string joined(schema_walk& w, char sep) {
  std::string out;
  ((out += (out.empty() ? "" : std::string(1, sep)) + type_string<Ts>(w)), ...);
  return out;
}

template <class T>
struct variant_alternatives;
template <class... Ts>
struct variant_alternatives<std::variant<Ts...>> {
  static std::string get(schema_walk& w) { return joined<Ts...>(w, '|'); }
};

/// Records each field's name and type (it never reads the values).
class schema_builder : public inspector_base<schema_builder> {
public:
  static constexpr bool is_loading = false;
  schema_builder(schema_walk& w, type_schema& out) noexcept : w_(w), out_(out) {}
  bool begin_object(std::string_view name) {
    if (depth_++ == 0)
      out_.name = std::string{name};
    return true;
  }
  bool end_object() {
    --depth_;
    return true;
  }
  bool begin_field(std::string_view name) {
    field_ = name;
    return true;
  }
  bool end_field() { return true; }
  template <class T>
  bool value(T&) {
    out_.fields.push_back(field_schema{std::string{field_}, type_string<T>(w_)});
    return true;
  }

private:
  schema_walk& w_;
  type_schema& out_;
  std::string_view field_;
  int depth_ = 0;
};

template <class T>
void describe(schema_walk& w, type_schema& out) {
  static_assert(std::is_default_constructible_v<T>,
                "ringactor wire: a type with a schema must be default-constructible");
  T probe{};
  schema_builder f{w, out};
  inspect(f, probe);
  out.name = std::string{wire_name_of<T>()};
}

/// "enum<shop.color:u8>", and the enum's enumerators in `nested` (once).
template <class T>
std::string enum_type_string(schema_walk& w) {
  const auto& d = enum_traits<T>::description;
  std::string name{d.name};
  auto out = "enum<" + name + ":" + type_string<std::underlying_type_t<T>>(w) + ">";
  for (auto& x : w.visited)
    if (x == name)
      return out;
  w.visited.push_back(name);
  type_schema nested;
  nested.name = name;
  for (std::size_t i = 0; i < d.names.size(); ++i)
    nested.enumerators.push_back(enumerator_schema{
      std::string{d.names[i]},
      std::to_string(+static_cast<std::underlying_type_t<T>>(d.values[i]))});
  w.root->nested.push_back(std::move(nested));
  return out;
}

template <class T>
std::string type_string(schema_walk& w) {
  constexpr auto k = kind_of<T>;
  if constexpr (k == field_kind::boolean)
    return "bool";
  else if constexpr (k == field_kind::integer || k == field_kind::floating)
    return scalar_type_name(std::is_signed_v<T>, std::is_floating_point_v<T>, sizeof(T));
  else if constexpr (k == field_kind::enumeration && described_enum<T>)
    return enum_type_string<T>(w);
  else if constexpr (k == field_kind::enumeration)
    return "enum<" + type_string<std::underlying_type_t<T>>(w) + ">";
  else if constexpr (k == field_kind::string)
    return "string";
  else if constexpr (k == field_kind::list)
    return "list<" + type_string<typename T::value_type>(w) + ">";
  else if constexpr (k == field_kind::array)
    return fmt::format("array<{},{}>", type_string<typename T::value_type>(w),
                       std::tuple_size_v<T>);
  else if constexpr (k == field_kind::optional)
    return "optional<" + type_string<typename T::value_type>(w) + ">";
  else if constexpr (k == field_kind::variant)
    return "variant<" + variant_alternatives<T>::get(w) + ">";
  else if constexpr (k == field_kind::map)
    return "map<" + joined<typename T::key_type, typename T::mapped_type>(w, ',') + ">";
  else if constexpr (k == field_kind::duration)
    return fmt::format("duration<{},{}/{}>", type_string<typename T::rep>(w), T::period::num,
                       T::period::den);
  else if constexpr (k == field_kind::actor_handle)
    return "actor";
  else if constexpr (k == field_kind::error)
    return "error";
  else {
    static_assert(k == field_kind::object);
    std::string name{wire_name_of<T>()};
    for (auto& x : w.visited)
      if (x == name)
        return name;
    w.visited.push_back(name);
    type_schema nested;
    describe<T>(w, nested);
    w.root->nested.push_back(std::move(nested));
    return name;
  }
}

/// Sorts the nested types by name (the schema's canonical form).
void normalize(type_schema& x);

} // namespace detail

/// The schema of T (an inspectable type).
template <class T>
type_schema schema_of() {
  type_schema out;
  detail::schema_walk w{&out, {std::string{wire_name_of<T>()}}};
  detail::describe<T>(w, out);
  detail::normalize(out);
  return out;
}

} // namespace ringactor::wire
