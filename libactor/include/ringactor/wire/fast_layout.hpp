// ringactor wire: the binary format's fast path. A trivially copyable type
// whose inspected fields are fixed-size scalars (integers, floats, bools,
// enums, durations, and arrays and nested objects of them), laid out in
// field order with no padding before, between or after them, has a wire
// form equal to its memory: it is written and read with one memcpy. Loading
// still validates what memory cannot: bools must be 0 or 1, floats must not
// be NaN or infinite unless wire_limits::allow_nan, enums described by
// RINGACTOR_ENUM must hold a listed enumerator (fast_bytes_valid; other
// enums are not range-checked on any path). Any other type (one
// with padding, reordered fields, or a field of another kind) takes the
// field-by-field path, which writes the same bytes a memcpy would for the
// types that qualify.
#pragma once

#include <array>
#include <bit>
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

/// An enum field described by RINGACTOR_ENUM: where it is and how its
/// bytes are checked.
struct fast_enum_field {
  std::uint32_t offset;
  bool (*valid)(const unsigned char* src) noexcept;
};

/// Where a fast-path type keeps what a load must validate.
struct fast_layout {
  bool eligible = false;
  std::vector<std::uint32_t> bools;   ///< offsets of bool fields
  std::vector<std::uint32_t> floats;  ///< offsets of float fields
  std::vector<std::uint32_t> doubles; ///< offsets of double fields
  std::vector<fast_enum_field> enums; ///< described enum fields
};

/// True when the enum fields of the value at `src` (in memory or on the
/// wire: the same bytes) hold listed enumerators. Writers check this much.
inline bool fast_enums_valid(const void* src, const fast_layout& layout) noexcept {
  auto* bytes = static_cast<const unsigned char*>(src);
  for (auto& e : layout.enums)
    if (!e.valid(bytes + e.offset))
      return false;
  return true;
}

/// True when the sizeof(T) bytes at `src` are a valid value of a fast-path
/// type: bools 0 or 1, floats finite unless `limits.allow_nan`, described
/// enums a listed enumerator. The one check of every memcpy load (the
/// binary_reader's and from_bytes's); it says only yes or no: a caller that
/// gets no reads the value again field by field, which names the field.
inline bool fast_bytes_valid(const std::byte* src, const fast_layout& layout,
                             const wire_limits& limits) noexcept {
  auto* bytes = reinterpret_cast<const unsigned char*>(src);
  for (auto off : layout.bools)
    if (bytes[off] > 1)
      return false;
  if (!limits.allow_nan) {
    for (auto off : layout.floats) {
      float f;
      std::memcpy(&f, bytes + off, sizeof(f));
      if (!std::isfinite(f))
        return false;
    }
    for (auto off : layout.doubles) {
      double d;
      std::memcpy(&d, bytes + off, sizeof(d));
      if (!std::isfinite(d))
        return false;
    }
  }
  return fast_enums_valid(bytes, layout);
}

namespace detail {

/// Walks a default-constructed T and records each scalar's offset; the
/// layout qualifies when the offsets run contiguously from 0 to sizeof(T).
class layout_probe : public inspector_base<layout_probe> {
public:
  static constexpr bool is_loading = false;

  layout_probe(const void* base, fast_layout& out) noexcept
    : base_(static_cast<const std::byte*>(base)), out_(out) {}

  bool begin_object(std::string_view) { return true; }
  bool end_object() { return true; }
  bool begin_field(std::string_view) { return true; }
  bool end_field() { return true; }

  template <class T>
  bool value(T& x) {
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
    } else if constexpr (k == field_kind::array) {
      for (auto& y : x)
        if (!value(y))
          return false;
      return true;
    } else if constexpr (k == field_kind::object) {
      return inspect(*this, x);
    } else {
      return false;
    }
  }

  std::size_t end() const noexcept { return next_; }

private:
  /// Records a scalar of type S at `addr` if it comes next in memory.
  template <class S>
  bool scalar(const void* addr) {
    auto offset = static_cast<std::size_t>(static_cast<const std::byte*>(addr) - base_);
    if (offset != next_ || std::is_same_v<S, long double>) // long double holds padding
      return false;
    if constexpr (described_enum<S>)
      out_.enums.push_back(fast_enum_field{static_cast<std::uint32_t>(offset),
                                           &enumerator_bytes_valid<S>});
    else if constexpr (std::is_same_v<S, bool>)
      out_.bools.push_back(static_cast<std::uint32_t>(offset));
    else if constexpr (std::is_same_v<S, float>)
      out_.floats.push_back(static_cast<std::uint32_t>(offset));
    else if constexpr (std::is_same_v<S, double>)
      out_.doubles.push_back(static_cast<std::uint32_t>(offset));
    next_ += sizeof(S);
    return true;
  }

  const std::byte* base_;
  fast_layout& out_;
  std::size_t next_ = 0;
};

template <class T>
fast_layout compute_fast_layout() {
  fast_layout out;
  if constexpr (std::is_trivially_copyable_v<T> && std::is_default_constructible_v<T>) {
    T probe{};
    layout_probe f{&probe, out};
    out.eligible = inspect(f, probe) && f.end() == sizeof(T);
  }
  if (!out.eligible)
    out = fast_layout{};
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
