// ringactor: a metric counter, a value that only goes up.
#pragma once

#include <atomic>
#include <cstdint>

namespace ringactor::metrics {

/// A monotonic count (requests served, bytes sent). Thread-safe; an update
/// is one relaxed atomic add. Counters come from a family
/// (registry::counter_family) and live as long as the registry, so hot code
/// looks one up once and keeps the pointer.
///
///   auto& served = sys.metrics().counter_singleton("app_requests_total", "Requests served.");
///   served.inc();
class counter {
public:
  counter() = default;
  counter(const counter&) = delete;
  counter& operator=(const counter&) = delete;

  void inc(uint64_t n = 1) noexcept {
    // Relaxed: a counter orders nothing; collect() reads it with a relaxed
    // load and may see any recent value.
    value_.fetch_add(n, std::memory_order_relaxed);
  }

  uint64_t value() const noexcept {
    // Relaxed: pairs with the relaxed add in inc().
    return value_.load(std::memory_order_relaxed);
  }

private:
  std::atomic<uint64_t> value_{0};
};

} // namespace ringactor::metrics
