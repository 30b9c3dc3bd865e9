// ringactor: the hybrid logical clock stamp (Kulkarni et al., "Logical
// Physical Clocks", 2014), the one definition used everywhere: in ring slot
// headers (host and device code) and by the K2K layer's clocks and receipts
// (ringactor/k2k/hlc.hpp).
//
// A stamp is (physical microseconds, logical counter, node id). The clocks
// that issue stamps pack physical and logical into one 64-bit word
// (physical << 12 | logical, see word()), so one integer comparison orders
// two stamps of one node.
//
// Device-facing header (docs/device-headers.md): a kernel may include it; it
// and all it includes compile under nvcc, with no fmt, iostream or threads.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>

#include "ringactor/gpu/device.hpp"

namespace ringactor {

/// One hybrid logical clock stamp. Ordered by physical time, then logical
/// counter, then node id (declaration order: the defaulted <=> is the order).
/// Plain data: it travels inside slot headers between host and device.
struct hlc_timestamp {
  /// Bits of the logical counter in a clock's packed state word.
  static constexpr unsigned logical_bits = 12;
  static constexpr std::uint32_t max_logical = (std::uint32_t{1} << logical_bits) - 1;
  /// Microseconds since the Unix epoch fit 52 bits until the year 2112.
  static constexpr std::uint64_t max_physical = (std::uint64_t{1} << (64 - logical_bits)) - 1;
  /// Bytes of the binary form: physical (8), logical (4), node (4), big-endian.
  static constexpr std::size_t packed_size = 16;
  using packed_type = std::array<std::byte, packed_size>;

  std::uint64_t physical = 0; ///< microseconds since the Unix epoch (at most max_physical)
  std::uint32_t logical = 0;  ///< events within one physical microsecond (at most max_logical)
  std::uint32_t node = 0;     ///< the id of the clock's node: the tie-break

  /// Whether physical and logical are within the ranges a clock produces.
  RINGACTOR_HOST_DEVICE constexpr bool valid() const noexcept {
    return physical <= max_physical && logical <= max_logical;
  }

  /// The packed clock word, physical << logical_bits | logical (node aside).
  RINGACTOR_HOST_DEVICE constexpr std::uint64_t word() const noexcept {
    return (physical << logical_bits) | logical;
  }

  /// Microseconds of Unix time at a clock reading of `clock_ns`, for a clock
  /// whose `offset_ns` = Unix time - clock time (signed: a device clock may
  /// be ahead of Unix time or behind it, see kernel_params::host_clock_ns),
  /// clamped to [0, max_physical].
  RINGACTOR_HOST_DEVICE static constexpr std::uint64_t
  physical_from_ns(std::uint64_t clock_ns, std::int64_t offset_ns) noexcept {
    // Modular addition, read back as signed: exact whenever the true Unix
    // time fits an int64 (until the year 2262), whichever sign the offset
    // has and even where the clock reading itself wrapped.
    const auto unix_ns = static_cast<std::int64_t>(clock_ns
                                                   + static_cast<std::uint64_t>(offset_ns));
    if (unix_ns <= 0)
      return 0;
    const auto us = static_cast<std::uint64_t>(unix_ns) / 1000;
    return us > max_physical ? max_physical : us;
  }

  /// The stamp of clock word `w` on node `node`.
  RINGACTOR_HOST_DEVICE static constexpr hlc_timestamp from_word(std::uint64_t w,
                                                                 std::uint32_t node) noexcept {
    return hlc_timestamp{w >> logical_bits, static_cast<std::uint32_t>(w & max_logical), node};
  }

  /// The binary form. Big-endian, so that comparing two packed stamps
  /// bytewise (memcmp) gives the same order as comparing the stamps. (The
  /// K2K layer reads it back: k2k::unpack_timestamp.)
  constexpr packed_type pack() const noexcept {
    packed_type out{};
    for (std::size_t i = 0; i < 8; ++i)
      out[i] = static_cast<std::byte>(physical >> (8 * (7 - i)));
    for (std::size_t i = 0; i < 4; ++i) {
      out[8 + i] = static_cast<std::byte>(logical >> (8 * (3 - i)));
      out[12 + i] = static_cast<std::byte>(node >> (8 * (3 - i)));
    }
    return out;
  }

  friend constexpr auto operator<=>(const hlc_timestamp&, const hlc_timestamp&) noexcept = default;
};

static_assert(sizeof(hlc_timestamp) == 16 && alignof(hlc_timestamp) == 8);

} // namespace ringactor
