// ringactor: expected<T>, a value or an error (std::expected is C++23).
#pragma once

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

#include "ringactor/error.hpp"

namespace ringactor {

/// Holds either a T or an error. `expected<void>` holds nothing or an error.
template <class T>
class expected {
public:
  using value_type = T;

  template <class U = T>
    requires std::is_constructible_v<T, U&&> && (!std::is_same_v<std::decay_t<U>, ringactor::error>)
  expected(U&& x) : storage_(std::in_place_index<0>, std::forward<U>(x)) {} // NOLINT

  expected(ringactor::error err) : storage_(std::in_place_index<1>, std::move(err)) { // NOLINT
    assert(static_cast<bool>(std::get<1>(storage_)));
  }

  template <class Enum>
    requires std::is_error_code_enum_v<Enum>
  expected(Enum x) : expected(ringactor::error{x}) {} // NOLINT

  bool has_value() const noexcept { return storage_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & { return std::get<0>(storage_); }
  const T& value() const& { return std::get<0>(storage_); }
  T&& value() && { return std::get<0>(std::move(storage_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const ringactor::error& error() const& { return std::get<1>(storage_); }

private:
  std::variant<T, ringactor::error> storage_;
};

template <>
class expected<void> {
public:
  using value_type = void;
  expected() noexcept = default;
  expected(ringactor::error err) : err_(std::move(err)) {} // NOLINT
  template <class Enum>
    requires std::is_error_code_enum_v<Enum>
  expected(Enum x) : err_(x) {} // NOLINT
  bool has_value() const noexcept { return !err_; }
  explicit operator bool() const noexcept { return has_value(); }
  const ringactor::error& error() const& { return err_; }

private:
  ringactor::error err_;
};

} // namespace ringactor
