// ringactor k2k: hybrid logical clocks (Kulkarni et al., "Logical Physical
// Clocks", 2014). A stamp is (physical microseconds, logical counter, node
// id); stamps of one clock are unique and increase with every tick, a
// received stamp is merged so that causality is kept across nodes, and the
// triple is a total order with the node id as the tie-break.
//
//   hybrid_clock clock{/*node id*/ 7};
//   auto sent = clock.tick();                   // a local or send event
//   auto got = other.update(sent);              // a receive event: > sent
//   if (!got) ... got.error() == k2k::errc::clock_skew
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include <fmt/format.h>

#include "ringactor/expected.hpp"
#include "ringactor/gpu/hlc_timestamp.hpp"
#include "ringactor/k2k/error.hpp"

namespace ringactor::k2k {

/// One hybrid logical clock stamp: the type of gpu_actors (usable in device
/// code, carried in every ring slot header), named here for the K2K layer.
using hlc_timestamp = ringactor::hlc_timestamp;

/// Reads the binary form of hlc_timestamp::pack(); invalid_timestamp if
/// `bytes` is not exactly packed_size bytes or holds an out-of-range stamp.
expected<hlc_timestamp> unpack_timestamp(std::span<const std::byte> bytes);

/// "physical.logical@node", e.g. "1718000000123456.3@7".
std::string to_string(const hlc_timestamp& x);

/// Configuration of a hybrid_clock.
struct hlc_config {
  /// How far a remote stamp may be ahead of the local physical clock before
  /// update() refuses it with clock_skew.
  std::chrono::microseconds max_skew = std::chrono::seconds{60};
  /// The physical time source in microseconds since the Unix epoch; empty
  /// means std::chrono::system_clock. Tests inject a controllable one.
  std::function<std::uint64_t()> physical_time;
};

/// A hybrid logical clock. Thread-safe and lock-free: the physical and
/// logical parts live in one 64-bit word (physical << 12 | logical) that
/// every tick and update advances with one compare-and-swap, so concurrent
/// ticks from many threads get distinct, increasing stamps.
///
/// When more than 4096 events fall into one microsecond (many ticks, or a
/// remote stamp ahead of local time), the logical counter carries into the
/// physical part: the clock runs ahead by one microsecond per 4096 events
/// until real time catches up. Order and uniqueness are kept; the drift is
/// bounded by the event rate.
class hybrid_clock {
public:
  explicit hybrid_clock(std::uint32_t node_id, hlc_config cfg = {});
  hybrid_clock(const hybrid_clock&) = delete;
  hybrid_clock& operator=(const hybrid_clock&) = delete;

  /// A local or send event: a stamp greater than every stamp this clock
  /// issued or merged before, and not less than the physical time.
  hlc_timestamp tick() noexcept;

  /// A receive event: merges `remote` and returns a stamp greater than both
  /// `remote` and every stamp this clock issued before. Fails, leaving the
  /// clock unchanged, with clock_skew if `remote` is more than max_skew ahead
  /// of the local physical time, or invalid_timestamp if it is out of range.
  expected<hlc_timestamp> update(const hlc_timestamp& remote) noexcept;

  /// The latest stamp issued (or merged), without ticking.
  hlc_timestamp peek() const noexcept;

  std::uint32_t node_id() const noexcept { return node_id_; }
  std::chrono::microseconds max_skew() const noexcept { return cfg_.max_skew; }

  /// Microseconds since the Unix epoch from std::chrono::system_clock.
  static std::uint64_t system_time_us() noexcept;

private:
  std::uint64_t physical_now() const noexcept;
  hlc_timestamp unpack_word(std::uint64_t word) const noexcept {
    return {word >> hlc_timestamp::logical_bits,
            static_cast<std::uint32_t>(word & hlc_timestamp::max_logical), node_id_};
  }

  // physical << logical_bits | logical. Only compare_exchange changes it. All
  // accesses are relaxed: the word is the clock's only shared data, and the
  // atomic read-modify-writes on one location form a single modification
  // order, so each tick reads the latest word and writes a greater one
  // (uniqueness, monotonicity). A tick that happens-before another (through
  // a message, a join) is earlier in that order by write-read coherence, so
  // causality between threads holds without acquire/release.
  std::atomic<std::uint64_t> word_{0};
  std::uint32_t node_id_;
  hlc_config cfg_;
};

/// A clock shared by everything in this process that has no clock of its own
/// (node id 0): brokers use it unless configured with another.
std::shared_ptr<hybrid_clock> process_clock();

} // namespace ringactor::k2k

template <>
struct std::hash<ringactor::k2k::hlc_timestamp> {
  std::size_t operator()(const ringactor::k2k::hlc_timestamp& x) const noexcept {
    // The packed state word is unique per clock; the node id spreads clocks.
    auto word = (x.physical << ringactor::k2k::hlc_timestamp::logical_bits) ^ x.logical;
    return std::hash<std::uint64_t>{}(word ^ (std::uint64_t{x.node} * 0x9e3779b97f4a7c15ull));
  }
};

template <>
struct fmt::formatter<ringactor::k2k::hlc_timestamp> : fmt::formatter<std::string_view> {
  template <class FormatContext>
  auto format(const ringactor::k2k::hlc_timestamp& x, FormatContext& ctx) const {
    auto str = ringactor::k2k::to_string(x);
    return fmt::formatter<std::string_view>::format(str, ctx);
  }
};
