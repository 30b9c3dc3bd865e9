#include "ringactor/k2k/hlc.hpp"

#include <algorithm>

namespace ringactor::k2k {

namespace {

constexpr unsigned shift = hlc_timestamp::logical_bits;

template <class T>
T load_be(const std::byte* in) noexcept {
  T value = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i)
    value = static_cast<T>((value << 8) | static_cast<T>(in[i]));
  return value;
}

} // namespace

// -- hlc_timestamp ------------------------------------------------------------------

expected<hlc_timestamp> unpack_timestamp(std::span<const std::byte> bytes) {
  if (bytes.size() != hlc_timestamp::packed_size)
    return error{errc::invalid_timestamp, fmt::format("a packed stamp has {} bytes, not {}",
                                                      bytes.size(), hlc_timestamp::packed_size)};
  hlc_timestamp x;
  x.physical = load_be<std::uint64_t>(bytes.data());
  x.logical = load_be<std::uint32_t>(bytes.data() + 8);
  x.node = load_be<std::uint32_t>(bytes.data() + 12);
  if (!x.valid())
    return error{errc::invalid_timestamp, fmt::format("stamp {} is out of range", x)};
  return x;
}

std::string to_string(const hlc_timestamp& x) {
  return fmt::format("{}.{}@{}", x.physical, x.logical, x.node);
}

// -- hybrid_clock -------------------------------------------------------------------

hybrid_clock::hybrid_clock(std::uint32_t node_id, hlc_config cfg)
  : node_id_(node_id), cfg_(std::move(cfg)) {}

std::uint64_t hybrid_clock::system_time_us() noexcept {
  auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(since_epoch).count();
  return us > 0 ? static_cast<std::uint64_t>(us) : 0;
}

std::uint64_t hybrid_clock::physical_now() const noexcept {
  auto us = cfg_.physical_time ? cfg_.physical_time() : system_time_us();
  return std::min(us, hlc_timestamp::max_physical);
}

hlc_timestamp hybrid_clock::tick() noexcept {
  const auto physical_word = physical_now() << shift;
  auto old = word_.load(std::memory_order_relaxed);
  std::uint64_t next;
  do {
    // HLC send rule: l' = max(l, pt); c' = (l' == l) ? c + 1 : 0. In the
    // packed word that is "physical time with counter 0 if it is ahead,
    // else the old word plus one" (a full counter carries into l).
    next = physical_word > old ? physical_word : old + 1;
    // Relaxed on success and failure: see word_. A failure reloads `old`.
  } while (!word_.compare_exchange_weak(old, next, std::memory_order_relaxed,
                                        std::memory_order_relaxed));
  return unpack_word(next);
}

expected<hlc_timestamp> hybrid_clock::update(const hlc_timestamp& remote) noexcept {
  if (!remote.valid())
    return error{errc::invalid_timestamp};
  const auto pt = physical_now();
  const auto skew = static_cast<std::uint64_t>(cfg_.max_skew.count());
  if (remote.physical > pt && remote.physical - pt > skew)
    return error{errc::clock_skew};
  const auto physical_word = pt << shift;
  const auto remote_word = (remote.physical << shift) | remote.logical;
  auto old = word_.load(std::memory_order_relaxed);
  std::uint64_t next;
  do {
    // HLC receive rule: l' = max(l, l_m, pt); c' = max of the counters of
    // those among l, l_m equal to l', plus one, or 0 if pt alone is the
    // maximum. Comparing packed words (l, c) lexicographically gives exactly
    // that: max(old, remote) + 1, unless physical time is strictly ahead.
    auto merged = std::max(old, remote_word);
    next = physical_word > merged ? physical_word : merged + 1;
  } while (!word_.compare_exchange_weak(old, next, std::memory_order_relaxed,
                                        std::memory_order_relaxed));
  return unpack_word(next);
}

hlc_timestamp hybrid_clock::peek() const noexcept {
  return unpack_word(word_.load(std::memory_order_relaxed));
}

std::shared_ptr<hybrid_clock> process_clock() {
  static const auto instance = std::make_shared<hybrid_clock>(0);
  return instance;
}

} // namespace ringactor::k2k
