// ringactor wire: the plan of the memcpy path of to_bytes and from_bytes
// (binary_format.hpp). For a fast-path type (fast_layout.hpp) the plan says
// whether a store may copy the value's memory and, for a small type on a
// little-endian host, holds the load checks as masks over the value's
// 16-bit lanes, so that a load is a size check, one copy into registers, a
// few branch-free vector operations and one store.
//
// Each T has one plan, a global constant-initialized to "copy nothing":
// the inlined paths never wait for it to be computed. Until its one
// computation (fast_plan_of<T>, called by the out-of-line paths) publishes
// it, they take the out-of-line path.
#pragma once

#include <array>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#  include <emmintrin.h>
#endif

#include "ringactor/wire/fast_layout.hpp"
#include "ringactor/wire_error.hpp"

namespace ringactor::wire {

/// Types this small keep their load checks as masks over their bytes (a
/// fixed number of branch-free vector operations the compiler unrolls)
/// rather than as offset lists walked in loops; larger ones use the lists.
template <class T>
inline constexpr std::size_t fast_mask_bytes = sizeof(T) <= 256 ? sizeof(T) : 0;

/// The load checks of a value of `Bytes` bytes as masks over its 16-bit
/// lanes (little endian), the value's bytes padded with zeros to whole
/// 16-byte vectors. The value is good when no lane `x` has
///   (x & value_bits) + carry_bits >= 0x8000
/// (the sum taken without wrap-around: saturating at 0xFFFF, as SSE2's
/// paddusw). The lane of bit 15 checks one field each:
/// - the top lane of a float (double): value_bits are its 8 (11) exponent
///   bits, carry_bits the lowest of them. The sum reaches bit 15 exactly
///   when every exponent bit is set: NaN or infinity.
/// - a lane with a bool byte: value_bits are bits 1 to 7 of each bool byte
///   (0xFE, or 0xFE00 for the lane's upper byte), carry_bits 0x7FFE. Any of
///   those bits set makes the masked lane at least 2, the sum at least
///   0x8000; none set leaves 0x7FFE.
/// Other lanes have no bits; a float lane, all 4 bytes, never shares a lane
/// with a bool (the masks are used only for floats on their natural lanes).
template <std::size_t Bytes>
struct fast_masks {
  static constexpr std::size_t vectors = (Bytes + 15) / 16;
  static constexpr std::size_t lanes = 8 * vectors;
  // Aligned so that vector instructions may take them as memory operands.
  alignas(16) std::array<std::uint16_t, lanes> value_bits{};
  alignas(16) std::array<std::uint16_t, lanes> carry_bits{};
};

namespace detail {

/// Masks that refuse every value: (x & 0) + 0x8000 has bit 15 in lane 0.
template <std::size_t Bytes>
constexpr fast_masks<Bytes> make_refuse_all() {
  fast_masks<Bytes> m;
  if constexpr (Bytes > 0)
    m.carry_bits[0] = 0x8000;
  return m;
}

template <std::size_t Bytes>
inline constexpr fast_masks<Bytes> refuse_all = make_refuse_all<Bytes>();

} // namespace detail

/// What to_bytes and from_bytes check on T's memcpy path: its layout and,
/// for a small T on a little-endian host, the same checks as masks.
template <class T>
struct fast_plan {
  using masks = fast_masks<fast_mask_bytes<T>>;

  const fast_layout* layout = nullptr;
  bool eligible = false;
  bool masked = false; ///< the masks hold every bool, float and double check
  bool has_bools = false;
  bool has_numbers = false; ///< floats or doubles
  bool has_enums = false;
  masks strict; ///< bools, and floats and doubles finite
  masks nan_ok; ///< bools only (wire_limits::allow_nan)

  // -- what the inlined paths read (binary_format.hpp) ------------------------

  /// to_bytes may append the value's memory: eligible, no described enum
  /// to check. Stored once, with release, by fill_fast_plan after the rest
  /// of the plan; loaded with acquire.
  std::atomic<bool> store_by_copy{false};
  /// The masks from_bytes tests before it copies: refuse_all (every value
  /// takes the out-of-line path) until the plan is computed, and for good
  /// unless the masks hold every check (masked, no described enum); then
  /// &strict and &nan_ok. Stored once each, with release, by
  /// fill_fast_plan after the masks; loaded with acquire, so that a reader
  /// that sees &strict also sees what it points to.
  std::atomic<const masks*> load_strict{&detail::refuse_all<fast_mask_bytes<T>>};
  std::atomic<const masks*> load_nan_ok{&detail::refuse_all<fast_mask_bytes<T>>};
};

namespace detail {

/// Each T's plan: constant-initialized (nothing copied inline yet), filled
/// once by fast_plan_of<T>. A global rather than a function's static, so
/// that the inlined paths read it without a guard check.
template <class T>
inline constinit fast_plan<T> fast_plan_storage{};

/// Fills `p` from T's layout, then publishes which copies it allows.
template <class T>
void fill_fast_plan(fast_plan<T>& p) {
  p.layout = &fast_layout_of<T>();
  const auto& l = *p.layout;
  p.eligible = l.eligible;
  p.has_bools = !l.bools.empty();
  p.has_numbers = !l.floats.empty() || !l.doubles.empty();
  p.has_enums = !l.enums.empty();
  if constexpr (fast_mask_bytes<T> > 0 && std::endian::native == std::endian::little) {
    // A float or double off its natural lane (a packed struct) is checked
    // through the lists.
    p.masked = p.eligible;
    for (auto off : l.floats)
      p.masked = p.masked && off % 4 == 0;
    for (auto off : l.doubles)
      p.masked = p.masked && off % 8 == 0;
    if (p.masked) {
      for (auto off : l.bools)
        for (auto* m : {&p.strict, &p.nan_ok}) {
          m->value_bits[off / 2] |= static_cast<std::uint16_t>(0xFE << (8 * (off % 2)));
          m->carry_bits[off / 2] = 0x7FFE;
        }
      for (auto off : l.floats) {
        p.strict.value_bits[off / 2 + 1] = 0x7F80;
        p.strict.carry_bits[off / 2 + 1] = 0x0080;
      }
      for (auto off : l.doubles) {
        p.strict.value_bits[off / 2 + 3] = 0x7FF0;
        p.strict.carry_bits[off / 2 + 3] = 0x0010;
      }
    }
  }
  // Pair with the acquire loads of the inlined paths (binary_format.hpp):
  // whoever sees these sees the plan and the masks written above.
  if (p.eligible && !p.has_enums)
    p.store_by_copy.store(true, std::memory_order_release);
  if (p.masked && !p.has_enums) {
    p.load_strict.store(&p.strict, std::memory_order_release);
    p.load_nan_ok.store(&p.nan_ok, std::memory_order_release);
  }
}

} // namespace detail

/// T's fast-path plan, computed once (thread-safe): the first call fills
/// it, every later one returns it after a guard check.
template <class T>
const fast_plan<T>& fast_plan_of() {
  static const bool filled = (detail::fill_fast_plan(detail::fast_plan_storage<T>), true);
  (void) filled;
  return detail::fast_plan_storage<T>;
}

/// A value's bytes padded with zeros to the masks' whole vectors.
template <class T>
struct alignas(16) fast_padded {
  std::byte bytes[16 * fast_plan<T>::masks::vectors]{};
};

/// fast_masks_pass without vector instructions, lane by lane: the
/// definition the vector version must agree with (and the one of a host
/// without SSE2).
template <std::size_t Bytes>
bool fast_masks_pass_lanes(const std::byte* padded, const fast_masks<Bytes>& m) noexcept {
  bool bad = false;
  for (std::size_t i = 0; i < fast_masks<Bytes>::lanes; ++i) {
    std::uint16_t x = 0;
    std::memcpy(&x, padded + 2 * i, 2);
    bad |= std::uint32_t{static_cast<std::uint16_t>(x & m.value_bits[i])} + m.carry_bits[i]
           >= 0x8000;
  }
  return !bad;
}

/// True when the masks `m` find nothing wrong in the padded bytes of a
/// value: the whole check for a plan whose load masks are published.
template <std::size_t Bytes>
[[gnu::always_inline]] inline bool fast_masks_pass(const std::byte* padded,
                                                   const fast_masks<Bytes>& m) noexcept {
#if defined(__SSE2__)
  // Per 16 bytes: an and, a saturating add, an or; then the lanes' bit 15
  // (the upper bytes' top bits) of all vectors at once.
  __m128i bad = _mm_setzero_si128();
  for (std::size_t i = 0; i < fast_masks<Bytes>::vectors; ++i) {
    auto x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(padded + 16 * i));
    auto v = _mm_load_si128(reinterpret_cast<const __m128i*>(m.value_bits.data() + 8 * i));
    auto c = _mm_load_si128(reinterpret_cast<const __m128i*>(m.carry_bits.data() + 8 * i));
    bad = _mm_or_si128(bad, _mm_adds_epu16(_mm_and_si128(x, v), c));
  }
  return (_mm_movemask_epi8(bad) & 0xAAAA) == 0;
#else
  return fast_masks_pass_lanes(padded, m);
#endif
}

namespace detail {

/// The checks the masks do not cover (described enums, a type without
/// masks), out of line.
[[gnu::noinline]] inline bool fast_list_checks(const std::byte* src, const fast_layout& layout,
                                               const wire_limits& limits, bool masked) noexcept {
  return masked ? fast_enums_valid(src, layout) : fast_bytes_valid(src, layout, limits);
}

} // namespace detail

/// fast_bytes_valid for T, through the masks where T has them.
template <class T>
bool fast_plan_valid(const std::byte* src, const fast_plan<T>& p,
                     const wire_limits& limits) noexcept {
  if constexpr (fast_mask_bytes<T> == 0) {
    return fast_bytes_valid(src, *p.layout, limits);
  } else {
    if (!p.masked)
      return detail::fast_list_checks(src, *p.layout, limits, false);
    fast_padded<T> padded;
    std::memcpy(padded.bytes, src, sizeof(T));
    if (!fast_masks_pass(padded.bytes, limits.allow_nan ? p.nan_ok : p.strict))
      return false;
    return !p.has_enums || detail::fast_list_checks(src, *p.layout, limits, true);
  }
}

} // namespace ringactor::wire
