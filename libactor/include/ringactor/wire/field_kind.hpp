// ringactor wire: the kinds of fields an inspect() function may name, and
// the traits that classify a C++ type into one of them. inspect.hpp adds
// `object` (a nested inspectable type) and the readable compile error for a
// type that is none of them.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <variant>
#include <vector>

#include "ringactor/actor_address.hpp"
#include "ringactor/error.hpp"
#include "ringactor/typed_actor_fwd.hpp"

namespace ringactor {
class actor;
class actor_addr;
} // namespace ringactor

namespace ringactor::wire {

/// What a field is, as every format sees it.
enum class field_kind {
  boolean,      ///< bool
  integer,      ///< signed and unsigned integers (char types included), not bool
  floating,     ///< float, double
  enumeration,  ///< an enum, written as its underlying integer
  string,       ///< std::string, UTF-8 (validated on load)
  list,         ///< std::vector<T> (not std::vector<bool>)
  array,        ///< std::array<T, N>
  optional,     ///< std::optional<T>
  variant,      ///< std::variant<Ts...>: the index, then the value
  map,          ///< std::map<K, V>, std::unordered_map<K, V>
  duration,     ///< std::chrono::duration<Rep, Period>: the count in its own period
  actor_handle, ///< actor, typed_actor<...>, actor_addr, actor_address: an actor_address
  error,        ///< ringactor::error: category name, code, context
  object,       ///< a type with an inspect() function
  none,         ///< none of these: not inspectable
};

namespace detail {

template <class T>
struct is_vector : std::false_type {};
template <class T, class A>
struct is_vector<std::vector<T, A>> : std::bool_constant<!std::is_same_v<T, bool>> {};

template <class T>
struct is_std_array : std::false_type {};
template <class T, std::size_t N>
struct is_std_array<std::array<T, N>> : std::true_type {};

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

template <class T>
struct is_variant : std::false_type {};
template <class... Ts>
struct is_variant<std::variant<Ts...>> : std::true_type {};

template <class T>
struct is_map : std::false_type {};
template <class K, class V, class C, class A>
struct is_map<std::map<K, V, C, A>> : std::true_type {};
template <class K, class V, class H, class E, class A>
struct is_map<std::unordered_map<K, V, H, E, A>> : std::true_type {};

template <class T>
struct is_duration : std::false_type {};
template <class R, class P>
struct is_duration<std::chrono::duration<R, P>> : std::true_type {};

template <class T>
struct is_actor_handle : std::false_type {};
template <>
struct is_actor_handle<actor> : std::true_type {};
template <>
struct is_actor_handle<actor_addr> : std::true_type {};
template <>
struct is_actor_handle<actor_address> : std::true_type {};
template <class... Sigs>
struct is_actor_handle<typed_actor<Sigs...>> : std::true_type {};

/// The kind of T, leaving `object` and `none` to inspect.hpp.
template <class T>
constexpr field_kind value_kind() noexcept {
  if constexpr (std::is_same_v<T, bool>)
    return field_kind::boolean;
  else if constexpr (std::is_integral_v<T>)
    return field_kind::integer;
  else if constexpr (std::is_floating_point_v<T>)
    return field_kind::floating;
  else if constexpr (std::is_enum_v<T>)
    return field_kind::enumeration;
  else if constexpr (std::is_same_v<T, std::string>)
    return field_kind::string;
  else if constexpr (is_vector<T>::value)
    return field_kind::list;
  else if constexpr (is_std_array<T>::value)
    return field_kind::array;
  else if constexpr (is_optional<T>::value)
    return field_kind::optional;
  else if constexpr (is_variant<T>::value)
    return field_kind::variant;
  else if constexpr (is_map<T>::value)
    return field_kind::map;
  else if constexpr (is_duration<T>::value)
    return field_kind::duration;
  else if constexpr (is_actor_handle<T>::value)
    return field_kind::actor_handle;
  else if constexpr (std::is_same_v<T, ringactor::error>)
    return field_kind::error;
  else
    return field_kind::none;
}

} // namespace detail

} // namespace ringactor::wire
