// ringactor wire: the enumerators of an enum, named once so that every
// format and the schema digest know them (CAF users know the idea from
// CAF's enum inspection, where to_string/from_string name the values):
//
//   namespace shop {
//   enum class color : std::uint8_t { red, green, blue = 4 };
//   RINGACTOR_ENUM(color, "shop.color", red, green, blue)
//   } // namespace shop
//
// With a description, JSON writes and reads an enumerator by its name
// ("green"); the binary format and JSON refuse a value that is no listed
// enumerator (invalid_value, naming the field path), when writing and when
// reading; and the schema lists the enumerators with their values, so that
// adding, removing, renaming or renumbering one changes the digest. An enum
// without RINGACTOR_ENUM travels as its underlying integer, unchecked.
#pragma once

#include <array>
#include <cstddef>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace ringactor::wire {

/// The stable name and the enumerators of an enum E, in the order listed.
template <class E, std::size_t N>
struct enum_description {
  std::string_view name;
  std::array<std::string_view, N> names;
  std::array<E, N> values;
};

/// True when RINGACTOR_ENUM describes E (found by argument-dependent lookup).
template <class E>
concept described_enum = std::is_enum_v<E> && requires(E* ptr) { ringactor_enum_description(ptr); };

namespace detail {

constexpr bool is_blank(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/// Splits the macro's stringized list "red, green,  blue" into N names.
template <class E, std::size_t N>
constexpr enum_description<E, N> make_enum_description(std::string_view name, std::string_view list,
                                                       const E (&values)[N]) noexcept {
  enum_description<E, N> out{name, {}, {}};
  std::size_t pos = 0;
  for (std::size_t i = 0; i < N; ++i) {
    auto end = list.find(',', pos);
    if (end == std::string_view::npos)
      end = list.size();
    auto first = pos;
    auto last = end;
    while (first < last && is_blank(list[first]))
      ++first;
    while (last > first && is_blank(list[last - 1]))
      --last;
    out.names[i] = list.substr(first, last - first);
    out.values[i] = values[i];
    pos = end + 1;
  }
  return out;
}

/// No name and no value is listed twice.
template <class E, std::size_t N>
constexpr bool distinct(const enum_description<E, N>& d) noexcept {
  for (std::size_t i = 0; i < N; ++i)
    for (std::size_t j = i + 1; j < N; ++j)
      if (d.names[i] == d.names[j] || d.values[i] == d.values[j])
        return false;
  return true;
}

} // namespace detail

/// What RINGACTOR_ENUM says about E.
template <described_enum E>
struct enum_traits {
  static constexpr auto description = ringactor_enum_description(static_cast<E*>(nullptr));
  static_assert(detail::distinct(description),
                "ringactor wire: RINGACTOR_ENUM lists an enumerator twice, or two enumerators "
                "with the same value (an alias would make the value's name ambiguous)");
  static constexpr std::size_t size = description.names.size();
};

/// The name of `x`, or an empty view when `x` is no listed enumerator.
template <described_enum E>
constexpr std::string_view enumerator_name(E x) noexcept {
  const auto& d = enum_traits<E>::description;
  for (std::size_t i = 0; i < d.values.size(); ++i)
    if (d.values[i] == x)
      return d.names[i];
  return {};
}

/// The enumerator named `name`, or nullopt.
template <described_enum E>
constexpr std::optional<E> enumerator_named(std::string_view name) noexcept {
  const auto& d = enum_traits<E>::description;
  for (std::size_t i = 0; i < d.names.size(); ++i)
    if (d.names[i] == name)
      return d.values[i];
  return std::nullopt;
}

/// True unless E is described and `x` is none of its enumerators.
template <class E>
constexpr bool is_listed_enumerator(E x) noexcept {
  if constexpr (described_enum<E>)
    return !enumerator_name(x).empty();
  else
    return true;
}

/// The error text for a value of E that is no listed enumerator, e.g.
/// "7 is no enumerator of shop.color".
template <described_enum E>
std::string not_an_enumerator(E x) {
  auto u = +static_cast<std::underlying_type_t<E>>(x); // + prints a char type as a number
  std::string out = std::to_string(u);
  out += " is no enumerator of ";
  out += enum_traits<E>::description.name;
  return out;
}

/// The memcpy path's check of an enum field: the bytes at `src` hold one
/// of E's enumerators.
template <described_enum E>
bool enumerator_bytes_valid(const unsigned char* src) noexcept {
  std::underlying_type_t<E> u;
  std::memcpy(&u, src, sizeof(u));
  return is_listed_enumerator(static_cast<E>(u));
}

} // namespace ringactor::wire

/// Describes the enum `type`: its stable name and its enumerators, listed
/// by name (every one that may travel; values come from the enum). Use it in
/// the namespace of `type`, as RINGACTOR_TYPE_NAME:
///
///   enum class color : std::uint8_t { red, green, blue };
///   RINGACTOR_ENUM(color, "shop.color", red, green, blue)
#define RINGACTOR_ENUM(type, name, ...)                                               \
  [[maybe_unused]] constexpr ::std::string_view ringactor_type_name(type*) noexcept { \
    return name;                                                                      \
  }                                                                                   \
  [[maybe_unused]] constexpr auto ringactor_enum_description(type*) noexcept {        \
    using enum type;                                                                  \
    return ::ringactor::wire::detail::make_enum_description<type>(name, #__VA_ARGS__, \
                                                                  {__VA_ARGS__});     \
  }
