// ringactor k2k: the registry of routable message types. A type that may
// travel through a broker is declared routable, next to its definition and
// in its namespace; the declaration registers it (type id, name, category)
// during static initialization, into the one type registry
// (ringactor/type_registry.hpp; RINGACTOR_TYPE gives a type its stable name):
//
//   namespace app {
//   struct temperature { float celsius; };
//   RINGACTOR_K2K_ROUTABLE(temperature, "sensors")
//   } // namespace app
//
//   for (auto& t : k2k::type_registry::global().list("sensors")) ...
//
// A typed send (k2k::make_send) of a type that is not routable fails to
// compile with a message naming the type; a send whose type is known only at
// run time (k2k::dynamic_message) is answered with errc::unregistered_type.
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "ringactor/expected.hpp"
#include "ringactor/k2k/error.hpp"
#include "ringactor/type_id.hpp"
#include "ringactor/type_registry.hpp"

namespace ringactor::k2k {

/// What the registry knows about one routable message type.
struct routable_type {
  type_id_t id = nullptr; ///< the runtime's type id (unique in the process)
  /// The type's stable name: the one given to RINGACTOR_TYPE, else the
  /// compiler's spelling of the type.
  std::string name;
  std::string category; ///< chosen where the type was declared routable
  /// wire::fnv1a64 of the name: equal in every program that names the type
  /// alike (for a compiler-spelled name: built with the same compiler).
  std::uint64_t stable_id = 0;
  std::size_t size = 0;
  bool trivially_copyable = false; ///< whether it may cross into device memory
};

/// The routable types: a view of the one type registry
/// (ringactor/type_registry.hpp) that shows the entries declared routable.
/// It keeps no list of its own. Thread-safe.
class type_registry {
public:
  static type_registry& global();

  /// Declares `x.id` routable in the one registry (registering it under
  /// `x.name` if it is not there yet). Returns false for a type already
  /// routable. A different type with the same stable id is refused and
  /// logged.
  bool add(routable_type x);

  std::optional<routable_type> find(type_id_t id) const;
  std::optional<routable_type> find(std::string_view name) const;
  std::optional<routable_type> find_stable(std::uint64_t stable_id) const;

  /// The type, or unregistered_type naming it.
  expected<routable_type> require(type_id_t id) const;

  /// Every routable type, in registration order.
  std::vector<routable_type> list() const;
  /// The routable types of one category, in registration order.
  std::vector<routable_type> list(std::string_view category) const;
  /// The distinct categories of routable types, sorted.
  std::vector<std::string> categories() const;
  std::size_t size() const;
};

namespace detail {

constexpr std::uint64_t fnv1a(std::string_view str) noexcept {
  return wire::fnv1a64(str);
}

/// The tag RINGACTOR_K2K_ROUTABLE finds by argument-dependent lookup.
template <class T>
struct routable_tag {};

template <class T>
concept declared_routable = requires(T* ptr) {
  { ringactor_k2k_routable_category(ptr) } -> std::convertible_to<std::string_view>;
};

/// Named after the message type so that a failed check names it.
template <class Message, bool Routable>
struct message_type_is_routable {
  static_assert(Routable,
                "ringactor k2k: the message type named first in "
                "'message_type_is_routable<Type, false>' above is not routable; declare "
                "it with RINGACTOR_K2K_ROUTABLE(Type, \"category\") in the namespace of Type");
  static constexpr bool value = Routable;
};

} // namespace detail

/// True for types declared with RINGACTOR_K2K_ROUTABLE.
template <class T>
concept routable = detail::declared_routable<std::remove_cvref_t<T>>;

/// Registers T at run time (what the macro does at static initialization).
template <class T>
bool register_routable(std::string category) {
  auto x = make_type_entry<std::remove_cvref_t<T>>({}, category);
  x.routable = true;
  return ringactor::type_registry::global().add(std::move(x));
}

/// Compile-time check with a readable message; use before a typed send.
template <class T>
constexpr bool check_routable() {
  using type = std::remove_cvref_t<T>;
  return detail::message_type_is_routable<type, routable<type>>::value;
}

} // namespace ringactor::k2k

#define RINGACTOR_K2K_PP_CAT_IMPL(a, b) a##b
#define RINGACTOR_K2K_PP_CAT(a, b) RINGACTOR_K2K_PP_CAT_IMPL(a, b)

/// Declares `type` routable in `category` (a string literal). Use it in the
/// namespace of `type` (the global one for global types), after its
/// definition: it declares a function found by argument-dependent lookup and
/// registers the type during static initialization.
#define RINGACTOR_K2K_ROUTABLE(type, category)                                                    \
  [[maybe_unused]] constexpr ::std::string_view ringactor_k2k_routable_category(type*) noexcept { \
    return category;                                                                              \
  }                                                                                               \
  namespace {                                                                                     \
  [[maybe_unused]] const bool RINGACTOR_K2K_PP_CAT(                                               \
    ringactor_k2k_routable_, __COUNTER__) = ::ringactor::k2k::register_routable<type>(category);  \
  }
