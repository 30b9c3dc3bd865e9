// ringactor: what a message handler returns: a value, an error, or the
// promise that somebody else answers (delegation, response promises).
#pragma once

#include <type_traits>
#include <utility>
#include <variant>

#include "ringactor/error.hpp"
#include "ringactor/expected.hpp"
#include "ringactor/type_id.hpp"
#include "ringactor/typed_actor_fwd.hpp"

namespace ringactor {

/// Returned by a handler whose request another actor answers (delegate) or
/// that a response promise answers later. Carries the response type for
/// typed interfaces.
template <class T = void>
struct delegated {};

namespace detail {

template <class T>
using value_or_unit = std::conditional_t<std::is_void_v<T>, unit_t, T>;

} // namespace detail

/// A handler's outcome: a T, an error, or delegated. `result<int>(add)` in an
/// interface says that `add` is answered with an int.
template <class T = void>
class result {
public:
  using value_type = T;
  using stored_type = detail::value_or_unit<T>;

  result()
    requires std::is_void_v<T>
    : storage_(unit) {}

  template <class U>
    requires std::is_constructible_v<stored_type, U&&> && (!std::is_same_v<std::decay_t<U>, error>)
             && (!std::is_same_v<std::decay_t<U>, result>)
  result(U&& x) : storage_(std::in_place_index<0>, std::forward<U>(x)) {} // NOLINT

  result(error err) : storage_(std::in_place_index<1>, std::move(err)) {} // NOLINT

  template <class Enum>
    requires std::is_error_code_enum_v<Enum>
  result(Enum x) : result(error{x}) {} // NOLINT

  result(delegated<T>) : storage_(std::in_place_index<2>) {} // NOLINT

  result(expected<T> x) // NOLINT
    requires(!std::is_void_v<T>)
  {
    if (x)
      storage_.template emplace<0>(std::move(*x));
    else
      storage_.template emplace<1>(x.error());
  }

  bool is_value() const noexcept { return storage_.index() == 0; }
  bool is_error() const noexcept { return storage_.index() == 1; }
  bool is_delegated() const noexcept { return storage_.index() == 2; }
  stored_type& value() { return std::get<0>(storage_); }
  const error& get_error() const { return std::get<1>(storage_); }

private:
  std::variant<stored_type, error, std::monostate> storage_;
};

} // namespace ringactor
