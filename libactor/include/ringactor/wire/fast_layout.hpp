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

/// Types this small keep their load checks as masks over their bytes (a
/// fixed number of branch-free lane tests the compiler unrolls) rather than
/// as offset lists walked in loops; larger ones use the lists.
template <class T>
inline constexpr std::size_t fast_mask_bytes = sizeof(T) <= 256 ? sizeof(T) : 0;

/// What to_bytes and from_bytes check on T's memcpy path: its layout and,
/// for a small T on a little-endian host, the same checks as masks over
/// its 64-bit words: a bool byte must have no bit but the lowest set; a
/// float or double lane must not have every exponent bit set (NaN or
/// infinity). Adding a lane's lowest exponent bit to its exponent bits
/// carries into the lane's sign bit exactly when they are all set, so one
/// word is checked for both with a few branch-free operations.
template <class T>
struct fast_plan {
  static constexpr std::size_t words = (fast_mask_bytes<T> + 7) / 8;

  const fast_layout* layout = nullptr;
  bool eligible = false;
  bool masked = false; ///< the masks hold every bool, float and double check
  bool has_bools = false;
  bool has_numbers = false; ///< floats or doubles
  bool has_enums = false;
  std::array<std::uint64_t, words> bool_bits{};      ///< 0xFE in each bool's byte
  std::array<std::uint64_t, words> exponent_bits{};  ///< each float and double lane's exponent
  std::array<std::uint64_t, words> exponent_carry{}; ///< each lane's lowest exponent bit
  std::array<std::uint64_t, words> sign_bits{};      ///< each lane's top bit
};

namespace detail {

template <class T>
fast_plan<T> compute_fast_plan() {
  fast_plan<T> p;
  p.layout = &fast_layout_of<T>();
  const auto& l = *p.layout;
  p.eligible = l.eligible;
  p.has_bools = !l.bools.empty();
  p.has_numbers = !l.floats.empty() || !l.doubles.empty();
  p.has_enums = !l.enums.empty();
  if constexpr (fast_mask_bytes<T> > 0 && std::endian::native == std::endian::little) {
    // A float or double off its natural lane (a packed struct) is checked
    // through the lists.
    p.masked = true;
    for (auto off : l.floats)
      p.masked = p.masked && off % 4 == 0;
    for (auto off : l.doubles)
      p.masked = p.masked && off % 8 == 0;
    if (!p.masked)
      return p;
    auto put = [](auto& words, std::size_t offset, std::uint64_t bits) {
      words[offset / 8] |= bits << (8 * (offset % 8));
    };
    for (auto off : l.bools)
      put(p.bool_bits, off, 0xFE);
    for (auto off : l.floats) {
      put(p.exponent_bits, off, 0x7F800000u);
      put(p.exponent_carry, off, 0x00800000u);
      put(p.sign_bits, off, 0x80000000u);
    }
    for (auto off : l.doubles) {
      put(p.exponent_bits, off, 0x7FF0000000000000ull);
      put(p.exponent_carry, off, 0x0010000000000000ull);
      put(p.sign_bits, off, 0x8000000000000000ull);
    }
  }
  return p;
}

} // namespace detail

/// T's fast-path plan, computed once (thread-safe). Inlined, so that the
/// memcpy path pays a guard check, not a call.
template <class T>
[[gnu::always_inline]] inline const fast_plan<T>& fast_plan_of() {
  static const fast_plan<T> plan = detail::compute_fast_plan<T>();
  return plan;
}

namespace detail {

/// The checks the masks do not cover (described enums, a type without
/// masks), out of line: the masked path keeps no call that would make it
/// save registers.
[[gnu::noinline]] inline bool fast_list_checks(const std::byte* src, const fast_layout& layout,
                                               const wire_limits& limits, bool masked) noexcept {
  return masked ? fast_enums_valid(src, layout) : fast_bytes_valid(src, layout, limits);
}

} // namespace detail

/// fast_bytes_valid for T, through the masks where T has them.
template <class T>
[[gnu::always_inline]] inline bool fast_plan_valid(const std::byte* src, const fast_plan<T>& p,
                                                   const wire_limits& limits) noexcept {
  if constexpr (fast_mask_bytes<T> == 0) {
    return fast_bytes_valid(src, *p.layout, limits);
  } else {
    if (!p.masked)
      return detail::fast_list_checks(src, *p.layout, limits, false);
    constexpr auto n = fast_mask_bytes<T>;
    constexpr auto words = fast_plan<T>::words;
    auto word = [src](std::size_t i) {
      std::uint64_t w = 0;
      std::memcpy(&w, src + 8 * i, i + 1 < words || n % 8 == 0 ? 8 : n % 8);
      return w;
    };
    std::uint64_t bad = 0;
    if (p.has_numbers && !limits.allow_nan) {
      for (std::size_t i = 0; i < words; ++i) {
        auto w = word(i);
        bad |= (w & p.bool_bits[i])
               | (((w & p.exponent_bits[i]) + p.exponent_carry[i]) & p.sign_bits[i]);
      }
    } else if (p.has_bools) {
      for (std::size_t i = 0; i < words; ++i)
        bad |= word(i) & p.bool_bits[i];
    }
    if (bad != 0)
      return false;
    return !p.has_enums || detail::fast_list_checks(src, *p.layout, limits, true);
  }
}

} // namespace ringactor::wire
