// Value equality for the round-trip property of the fuzz targets: like
// operator==, except that floats compare by their bits (so -0.0 and 0.0
// differ, a decoder that drops the sign is caught, and a NaN, where a
// format lets one through, equals itself) and objects compare through
// their `tie()`.
#pragma once

#include <bit>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <variant>

namespace fuzz {

template <class T>
bool same(const T& x, const T& y);

namespace detail {

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

template <class T>
struct is_variant : std::false_type {};
template <class... Ts>
struct is_variant<std::variant<Ts...>> : std::true_type {};

template <class T>
struct is_duration : std::false_type {};
template <class R, class P>
struct is_duration<std::chrono::duration<R, P>> : std::true_type {};

template <class T>
concept has_tie = requires(const T& x) { x.tie(); };

template <class T>
concept keyed = requires {
  typename T::key_type;
  typename T::mapped_type;
};

template <class T>
concept sized_range = requires(const T& x) {
  x.size();
  x.begin();
  x.end();
};

template <class Tuple, std::size_t... Is>
bool same_tuple(const Tuple& x, const Tuple& y, std::index_sequence<Is...>) {
  return (same(std::get<Is>(x), std::get<Is>(y)) && ...);
}

} // namespace detail

template <class T>
bool same(const T& x, const T& y) {
  if constexpr (std::is_floating_point_v<T>) {
    using bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
    static_assert(sizeof(T) == sizeof(bits));
    return std::bit_cast<bits>(x) == std::bit_cast<bits>(y);
  } else if constexpr (std::is_arithmetic_v<T> || std::is_enum_v<T>
                       || std::is_same_v<T, std::string> || detail::is_duration<T>::value) {
    return x == y;
  } else if constexpr (detail::has_tie<T>) {
    auto tx = x.tie();
    auto ty = y.tie();
    return detail::same_tuple(tx, ty, std::make_index_sequence<std::tuple_size_v<decltype(tx)>>{});
  } else if constexpr (detail::is_optional<T>::value) {
    return x.has_value() == y.has_value() && (!x || same(*x, *y));
  } else if constexpr (detail::is_variant<T>::value) {
    if (x.index() != y.index() || x.valueless_by_exception() || y.valueless_by_exception())
      return x.index() == y.index();
    return std::visit(
      [&y](const auto& vx) { return same(vx, std::get<std::remove_cvref_t<decltype(vx)>>(y)); }, x);
  } else if constexpr (detail::keyed<T>) {
    // Keys are integers or strings here: find each of x's keys in y.
    if (x.size() != y.size())
      return false;
    for (const auto& [key, value] : x) {
      auto i = y.find(key);
      if (i == y.end() || !same(value, i->second))
        return false;
    }
    return true;
  } else {
    static_assert(detail::sized_range<T>, "fuzz::same: a field type it does not know");
    if (x.size() != y.size())
      return false;
    auto j = y.begin();
    for (auto i = x.begin(); i != x.end(); ++i, ++j)
      if (!same(*i, *j))
        return false;
    return true;
  }
}

} // namespace fuzz
