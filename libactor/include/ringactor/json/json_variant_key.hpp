// ringactor wire: the key that names a std::variant's alternative in JSON.
//
// A variant is a one-member object {"<key>": value}. The key is the
// alternative's registered name (RINGACTOR_TYPE) when it has one and no
// other alternative of the variant is the same type; otherwise it is the
// alternative's index as a decimal string (no leading zeros). A reader
// accepts either: a key that is an alternative's name selects it, else a
// decimal index selects that alternative; anything else is invalid_value.
//
//   std::variant<int, shop::order> v = shop::order{};  // {"shop.order": {...}}
//   std::variant<int, double> w = 2.5;                  // {"1": 2.5}
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include "ringactor/inspect.hpp"

namespace ringactor::wire {

/// The registered name that keys alternative I of variant V in JSON, or an
/// empty view when the index keys it.
template <class V, std::size_t I>
constexpr std::string_view json_variant_name() noexcept {
  using alt = std::variant_alternative_t<I, V>;
  constexpr std::size_t same = []<std::size_t... Is>(std::index_sequence<Is...>) {
    return (std::size_t{0} + ...
            + (std::is_same_v<alt, std::variant_alternative_t<Is, V>> ? 1 : 0));
  }(std::make_index_sequence<std::variant_size_v<V>>{});
  if constexpr (detail::has_stable_name<alt> && same == 1)
    return wire_name_of<alt>();
  else
    return {};
}

/// The JSON key of alternative `index` of V.
template <class V>
std::string json_variant_key(std::size_t index) {
  std::string_view name;
  [&]<std::size_t... Is>(std::index_sequence<Is...>) {
    static_cast<void>(((index == Is ? (name = json_variant_name<V, Is>(), true) : false) || ...));
  }(std::make_index_sequence<std::variant_size_v<V>>{});
  return name.empty() ? std::to_string(index) : std::string{name};
}

/// The alternative that `key` names in V, or variant_size_v<V> if none.
template <class V>
std::size_t json_variant_index(std::string_view key) noexcept {
  constexpr std::size_t n = std::variant_size_v<V>;
  std::size_t found = n;
  [&]<std::size_t... Is>(std::index_sequence<Is...>) {
    static_cast<void>(
      ((json_variant_name<V, Is>() == key && !key.empty() ? (found = Is, true) : false) || ...));
  }(std::make_index_sequence<n>{});
  if (found < n || key.empty() || key.size() > 4)
    return found;
  std::size_t index = 0;
  for (char c : key) {
    if (c < '0' || c > '9')
      return n;
    index = index * 10 + static_cast<std::size_t>(c - '0');
  }
  if (key.size() > 1 && key[0] == '0')
    return n; // one spelling per index: no leading zeros
  return index < n ? index : n;
}

} // namespace ringactor::wire
