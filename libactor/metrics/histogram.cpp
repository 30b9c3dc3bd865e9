#include "ringactor/metrics/histogram.hpp"

#include <algorithm>
#include <array>

#include "ringactor/metrics/family.hpp"

namespace ringactor::metrics {

namespace {

constexpr std::array<double, 22> time_buckets{
  1e-6, 2.5e-6, 5e-6,   1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3,
  5e-3, 1e-2,   2.5e-2, 5e-2, 0.1,    0.25, 0.5,  1.0,    2.5,  5.0,  10.0,
};

} // namespace

std::span<const double> default_time_buckets() noexcept {
  return time_buckets;
}

histogram::histogram(std::span<const double> bounds)
  : bounds_(bounds), counts_(std::make_unique<std::atomic<uint64_t>[]>(bounds.size() + 1)) {}

void histogram::observe(double x) noexcept {
  // First bound >= x; NaN compares false everywhere and lands in +Inf.
  auto i = static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), x)
                               - bounds_.begin());
  if (x != x)
    i = bounds_.size();
  // Relaxed: statistics; read by bucket_count() and sum() with relaxed loads.
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(x, std::memory_order_relaxed);
}

void histogram::add(std::span<const uint64_t> counts, double sum) noexcept {
  auto n = std::min(counts.size(), bounds_.size() + 1);
  for (size_t i = 0; i < n; ++i)
    if (counts[i] != 0)
      // Relaxed, as in observe().
      counts_[i].fetch_add(counts[i], std::memory_order_relaxed);
  sum_.fetch_add(sum, std::memory_order_relaxed);
}

namespace detail {

void read_into(sample& out, const histogram& x) {
  auto n = x.bounds().size() + 1;
  out.buckets.resize(n);
  uint64_t total = 0;
  for (size_t i = 0; i < n; ++i) {
    total += x.bucket_count(i);
    out.buckets[i] = total;
  }
  out.sum = x.sum();
}

} // namespace detail

} // namespace ringactor::metrics
