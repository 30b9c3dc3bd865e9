// ringactor wire: the binary format's fast path. A trivially copyable type
// whose inspected fields are fixed-size scalars (integers, floats, bools,
// enums, durations, and arrays and nested objects of them), laid out in
// field order with no padding before, between or after them, has a wire
// form equal to its memory: it is written and read with one memcpy. Loading
// still validates what memory cannot: bools must be 0 or 1, floats must not
// be NaN or infinite unless wire_limits::allow_nan, enums described by
// RINGACTOR_ENUM must hold a listed enumerator (fast_loaded_valid; other
// enums are not range-checked on any path). Any other type (one
// with padding, reordered fields, or a field of another kind) takes the
// field-by-field path, which writes the same bytes a memcpy would for the
// types that qualify.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>
#include <vector>

#include "ringactor/inspect.hpp"
#include "ringactor/wire/enum_description.hpp"
#include "ringactor/wire_error.hpp"

namespace ringactor::wire {

/// Whether T takes the fast path: computed once per type by walking a
/// default-constructed value (fast_layout_of).
struct fast_layout {
  bool eligible = false;
};

/// The types fast_layout_of may find eligible: trivially copyable objects
/// that can be made afresh (a failed load resets the value to T{}).
template <class T>
concept fast_candidate = kind_of<T> == field_kind::object && std::is_trivially_copyable_v<T>
                         && std::is_default_constructible_v<T> && std::is_copy_assignable_v<T>;

namespace detail {

/// Walks the fields of a value for the fast path: arrays and nested objects
/// are entered, every other field goes to `Derived::leaf(x)`; the walk stops
/// at the first false. Only reads: it never writes into what it walks.
template <class Derived>
class leaf_walker : public inspector_base<Derived> {
public:
  static constexpr bool is_loading = false;

  bool begin_object(std::string_view) { return true; }
  bool end_object() { return true; }
  bool begin_field(std::string_view) { return true; }
  bool end_field() { return true; }

  template <class T>
  bool value(T& x) {
    constexpr auto k = kind_of<T>;
    if constexpr (k == field_kind::array) {
      for (auto& y : x)
        if (!value(y))
          return false;
      return true;
    } else if constexpr (k == field_kind::object) {
      return inspect(static_cast<Derived&>(*this), x);
    } else {
      return static_cast<Derived&>(*this).leaf(x);
    }
  }
};

/// Walks a value of a fast-path type in place and checks what its bytes may
/// hold wrong, with every field's type and offset known at compile time (the
/// walk inlines to a few compares): bools 0 or 1 and floats finite unless
/// allowed (when `Loading`: the bytes came off the wire), described enums a
/// listed enumerator (always: a writer checks this much). It reads bools and
/// enums by their bytes, so a value memcpy'd from bad input is checked
/// without ever being read as a bool or an enum.
template <bool Loading>
class fast_value_check : public leaf_walker<fast_value_check<Loading>> {
public:
  explicit fast_value_check(bool allow_nan) noexcept : allow_nan_(allow_nan) {}

  template <class T>
  bool leaf(T& x) {
    constexpr auto k = kind_of<T>;
    if constexpr (k == field_kind::boolean) {
      if constexpr (Loading) {
        unsigned char b;
        std::memcpy(&b, &x, 1);
        return b <= 1;
      } else {
        return true;
      }
    } else if constexpr (k == field_kind::floating) {
      return !Loading || allow_nan_ || std::isfinite(x);
    } else if constexpr (k == field_kind::enumeration) {
      if constexpr (described_enum<T>)
        return enumerator_bytes_valid<T>(reinterpret_cast<const unsigned char*>(&x));
      else
        return true;
    } else if constexpr (k == field_kind::duration) {
      if constexpr (std::is_floating_point_v<typename T::rep>)
        return !Loading || allow_nan_ || std::isfinite(x.count());
      else
        return true;
    } else {
      return true; // integers: every bit pattern is a value
    }
  }

private:
  bool allow_nan_;
};

} // namespace detail

/// True when `x`, a fast-path value just memcpy'd from the wire, is valid:
/// bools 0 or 1, floats finite unless `limits.allow_nan`, described enums a
/// listed enumerator. The one check of every memcpy load (the
/// binary_reader's and from_bytes's); it says only yes or no: a caller that
/// gets no resets the value and reads it again field by field, which names
/// the field.
template <class T>
bool fast_loaded_valid(T& x, const wire_limits& limits) noexcept {
  detail::fast_value_check<true> f{limits.allow_nan};
  return inspect(f, x);
}

/// True when the described enum fields of `x` hold listed enumerators: what
/// a writer checks before it copies a fast-path value.
template <class T>
bool fast_writable(const T& x) noexcept {
  detail::fast_value_check<false> f{true};
  // The walk only reads: inspect takes a mutable reference by convention.
  return inspect(f, const_cast<T&>(x));
}

namespace detail {

/// Walks a default-constructed T; the layout qualifies when its scalars run
/// contiguously from offset 0 to sizeof(T).
class layout_probe : public leaf_walker<layout_probe> {
public:
  explicit layout_probe(const void* base) noexcept : base_(static_cast<const std::byte*>(base)) {}

  template <class T>
  bool leaf(T& x) {
    constexpr auto k = kind_of<T>;
    if constexpr (k == field_kind::boolean || k == field_kind::integer || k == field_kind::floating
                  || k == field_kind::enumeration) {
      return scalar<T>(&x);
    } else if constexpr (k == field_kind::duration) {
      using rep = typename T::rep;
      if constexpr (std::is_arithmetic_v<rep> && sizeof(T) == sizeof(rep))
        return scalar<rep>(&x);
      else
        return false;
    } else {
      return false; // strings, containers, optionals...: not fixed-size
    }
  }

  std::size_t end() const noexcept { return next_; }

private:
  /// Accepts a scalar of type S at `addr` if it comes next in memory.
  template <class S>
  bool scalar(const void* addr) {
    auto offset = static_cast<std::size_t>(static_cast<const std::byte*>(addr) - base_);
    if (offset != next_ || std::is_same_v<S, long double>) // long double holds padding
      return false;
    next_ += sizeof(S);
    return true;
  }

  const std::byte* base_;
  std::size_t next_ = 0;
};

template <class T>
fast_layout compute_fast_layout() {
  fast_layout out;
  if constexpr (fast_candidate<T>) {
    T probe{};
    layout_probe f{&probe};
    out.eligible = inspect(f, probe) && f.end() == sizeof(T);
  }
  return out;
}

} // namespace detail

/// The fast-path layout of T, computed once (thread-safe).
template <class T>
const fast_layout& fast_layout_of() {
  static const fast_layout layout = detail::compute_fast_layout<T>();
  return layout;
}

} // namespace ringactor::wire
