// ringactor: metric gauges, values that go up and down.
#pragma once

#include <atomic>
#include <cstdint>

namespace ringactor::metrics {

/// An integer that goes up and down (queue depth, live workers).
/// Thread-safe; every update is one relaxed atomic operation.
class gauge {
public:
  gauge() = default;
  gauge(const gauge&) = delete;
  gauge& operator=(const gauge&) = delete;

  // Relaxed throughout: a gauge orders nothing; collect() reads it with a
  // relaxed load (pairs with these updates) and may see any recent value.
  void inc(int64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  void dec(int64_t n = 1) noexcept { value_.fetch_sub(n, std::memory_order_relaxed); }
  void set(int64_t x) noexcept { value_.store(x, std::memory_order_relaxed); }
  int64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
  std::atomic<int64_t> value_{0};
};

/// A floating-point gauge (a temperature, a ratio, a time in seconds).
class double_gauge {
public:
  double_gauge() = default;
  double_gauge(const double_gauge&) = delete;
  double_gauge& operator=(const double_gauge&) = delete;

  // Relaxed throughout, as gauge; add() is a compare-exchange loop.
  void add(double x) noexcept { value_.fetch_add(x, std::memory_order_relaxed); }
  void set(double x) noexcept { value_.store(x, std::memory_order_relaxed); }
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
  std::atomic<double> value_{0.0};
};

} // namespace ringactor::metrics
