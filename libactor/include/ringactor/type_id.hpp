// ringactor: run-time type identity for message payloads, without RTTI.
#pragma once

#include <cstddef>
#include <string_view>
#include <type_traits>

namespace ringactor {

/// What the runtime knows about a message type: enough to dispatch a
/// handler, name the type in an error, and decide whether it may cross into
/// device memory.
struct type_record {
  std::string_view name;
  std::size_t size;
  bool trivially_copyable;
};

/// A type id is the address of the type's record; equal ids mean equal types.
using type_id_t = const type_record*;

namespace detail {

template <class T>
constexpr std::string_view pretty_type_name() {
  std::string_view fn = __PRETTY_FUNCTION__; // "... [with T = foo; ...]"
  auto first = fn.find("T = ");
  if (first == std::string_view::npos)
    return fn;
  first += 4;
  auto last = fn.find_first_of(";]", first);
  return fn.substr(first, last - first);
}

template <class T>
inline constexpr type_record type_record_v{pretty_type_name<T>(), sizeof(T),
                                           std::is_trivially_copyable_v<T>};

} // namespace detail

/// The id of `T` (cv-ref qualifiers removed).
template <class T>
constexpr type_id_t type_id_of() noexcept {
  return &detail::type_record_v<std::remove_cvref_t<T>>;
}

/// A readable name for `T`, as the compiler spells it.
template <class T>
constexpr std::string_view type_name_of() noexcept {
  return type_id_of<T>()->name;
}

/// The empty message: what a handler returning void answers a request with.
struct unit_t {
  friend constexpr bool operator==(unit_t, unit_t) noexcept { return true; }
};
inline constexpr unit_t unit{};

} // namespace ringactor
