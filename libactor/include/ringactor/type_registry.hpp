// ringactor: the one type registry. Every type that crosses a boundary is
// registered once, with a stable name, in the namespace of the type:
//
//   RINGACTOR_TYPE(order, "shop.order")            // or with a category:
//   RINGACTOR_TYPE(order, "shop.order", "shop")
//
//   auto e = type_registry::global().find("shop.order");   // std::optional<type_entry>
//   e->stable_id == wire::fnv1a64("shop.order");            // the same in every process
//
// An entry maps the compile-time identity (type_id_of<T>()) to the stable
// name, id, size, category, schema digest and type-erased codecs. k2k's
// routable types (RINGACTOR_K2K_ROUTABLE) are entries of this registry too;
// k2k::type_registry is a view of them. Thread-safe: lookups take a shared
// lock, registration (mostly at static initialization) an exclusive one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "ringactor/binary_format.hpp"
#include "ringactor/dynamic_message.hpp"
#include "ringactor/expected.hpp"
#include "ringactor/inspect.hpp"
#include "ringactor/schema.hpp"
#include "ringactor/type_id.hpp"
#include "ringactor/wire_error.hpp"
#if RINGACTOR_HAS_JSON
#  include "ringactor/json_format.hpp" // fills type_entry::json (a build with JSON)
#endif

namespace ringactor {

/// The binary codec of a registered type, type-erased.
struct binary_codec {
  /// Appends the wire form of `*value` (an object of the entry's type).
  expected<void> (*save)(const void* value, std::vector<std::byte>& out,
                         const wire_limits& limits) = nullptr;
  /// Reads one whole message of the entry's type.
  expected<dynamic_message> (*load)(std::span<const std::byte> in,
                                    const wire_limits& limits) = nullptr;
};

/// The JSON codec of a registered type: make_type_entry fills it in a build
/// with JSON (RINGACTOR_HAS_JSON, json_format.hpp); set_json_codec can too.
struct json_codec {
  expected<void> (*save)(const void* value, std::string& out, const wire_limits& limits) = nullptr;
  expected<dynamic_message> (*load)(std::string_view in, const wire_limits& limits) = nullptr;
};

/// What the registry knows about one type.
struct type_entry {
  std::string name;                ///< the stable name ("shop.order")
  std::uint64_t stable_id = 0;     ///< wire::fnv1a64(name): equal in every process and build
  type_id_t id = nullptr;          ///< the compile-time identity in this process
  std::size_t size = 0;            ///< sizeof
  bool trivially_copyable = false; ///< whether it may cross into device memory
  std::string category;            ///< chosen at registration; may be empty
  bool named = false;       ///< the name was given (RINGACTOR_TYPE), not the compiler's spelling
  bool routable = false;    ///< declared with RINGACTOR_K2K_ROUTABLE
  std::uint64_t digest = 0; ///< wire::digest_of(schema()); 0 if not inspectable
  wire::type_schema (*schema)() = nullptr; ///< null if not inspectable
  binary_codec binary;                     ///< empty if not inspectable
  json_codec json;                         ///< empty until the JSON format fills it
};

/// The process-wide registry of types.
class type_registry {
public:
  static type_registry& global();

  /// Adds `x`, or merges it into the entry of the same type id: a given
  /// name replaces a compiler-spelled one, `routable` accumulates, a
  /// category fills an empty one, codecs fill empty slots. A different type
  /// with the same stable id (or name) is refused and logged. Returns true
  /// if anything changed.
  bool add(type_entry x);

  std::optional<type_entry> find(type_id_t id) const;
  std::optional<type_entry> find(std::string_view name) const;
  std::optional<type_entry> find_stable(std::uint64_t stable_id) const;

  /// The type named `name`, or unknown_type naming it.
  expected<type_entry> require(std::string_view name) const;

  /// Fills the JSON slot of the type `id`; false if it is not registered.
  bool set_json_codec(type_id_t id, json_codec codec);

  /// Every entry, in registration order.
  std::vector<type_entry> list() const;
  /// The entries of one category, in registration order.
  std::vector<type_entry> list(std::string_view category) const;
  /// The distinct non-empty categories, sorted.
  std::vector<std::string> categories() const;
  std::size_t size() const;

  /// A digest over every inspectable type's name and digest (sorted by
  /// name): equal in two processes that registered the same schemas.
  std::uint64_t digest() const;

private:
  mutable std::shared_mutex mtx_;
  std::vector<type_entry> types_;                            // guarded by mtx_
  std::unordered_map<type_id_t, std::size_t> by_id_;         // guarded by mtx_
  std::unordered_map<std::string, std::size_t> by_name_;     // guarded by mtx_
  std::unordered_map<std::uint64_t, std::size_t> by_stable_; // guarded by mtx_
};

namespace detail {

template <class T>
expected<void> save_binary(const void* value, std::vector<std::byte>& out,
                           const wire_limits& limits) {
  return to_bytes(*static_cast<const T*>(value), out, limits);
}

template <class T>
expected<dynamic_message> load_binary(std::span<const std::byte> in, const wire_limits& limits) {
  T x{};
  if (auto r = from_bytes(in, x, limits); !r)
    return r.error();
  return dynamic_message::from(std::move(x));
}

} // namespace detail

/// The entry of T under `name` (the compiler's spelling if empty): with a
/// binary codec when T has a wire form, and a schema and digest when T is
/// an inspectable object.
template <class T>
type_entry make_type_entry(std::string_view name, std::string_view category) {
  type_entry x;
  x.named = !name.empty();
  x.name = std::string{x.named ? name : type_name_of<T>()};
  x.stable_id = wire::fnv1a64(x.name);
  x.id = type_id_of<T>();
  x.size = sizeof(T);
  x.trivially_copyable = std::is_trivially_copyable_v<T>;
  x.category = std::string{category};
  if constexpr (wire::field_type<T> && std::is_default_constructible_v<T>) {
    x.binary = binary_codec{&detail::save_binary<T>, &detail::load_binary<T>};
#if RINGACTOR_HAS_JSON
    x.json = json_codec{&detail::save_json<T>, &detail::load_json<T>};
#endif
    if constexpr (inspectable<T>) {
      x.schema = &wire::schema_of<T>;
      x.digest = wire::digest_of(wire::schema_of<T>());
    }
  }
  return x;
}

/// Registers T under the stable `name` (what RINGACTOR_TYPE does).
template <class T>
bool register_type(std::string_view name, std::string_view category = {}) {
  return type_registry::global().add(make_type_entry<std::remove_cvref_t<T>>(name, category));
}

} // namespace ringactor

#define RINGACTOR_PP_CAT_IMPL(a, b) a##b
#define RINGACTOR_PP_CAT(a, b) RINGACTOR_PP_CAT_IMPL(a, b)
#define RINGACTOR_PP_FIRST(x, ...) x

/// Registers `type` under a stable name (a string literal), optionally in a
/// category: RINGACTOR_TYPE(order, "shop.order") or
/// RINGACTOR_TYPE(order, "shop.order", "shop"). Use it once, in the
/// namespace of `type`, after its definition (and its inspect function):
/// it declares the function that gives formats the stable name, found by
/// argument-dependent lookup, and registers the type at static
/// initialization.
#define RINGACTOR_TYPE(type, ...)                                                     \
  [[maybe_unused]] constexpr ::std::string_view ringactor_type_name(type*) noexcept { \
    return RINGACTOR_PP_FIRST(__VA_ARGS__, );                                         \
  }                                                                                   \
  namespace {                                                                         \
  [[maybe_unused]] const bool RINGACTOR_PP_CAT(                                       \
    ringactor_type_, __COUNTER__) = ::ringactor::register_type<type>(__VA_ARGS__);    \
  }
