// ringactor: a metric histogram with fixed bucket bounds.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace ringactor::metrics {

/// The default bucket upper bounds, in seconds: 1 µs to 10 s in steps of
/// 1, 2.5, 5 per decade (1e-6, 2.5e-6, 5e-6, 1e-5, ..., 5, 10).
std::span<const double> default_time_buckets() noexcept;

/// Counts observations into buckets with fixed upper bounds (base units:
/// seconds, bytes) and keeps their sum. Thread-safe: an observation is a
/// bucket search over the bounds and two relaxed atomic updates. Each
/// bucket counts only its own observations; a snapshot makes them
/// cumulative (Prometheus `le` buckets), with `+Inf` last.
class histogram {
public:
  /// `bounds` must be sorted ascending and outlive the histogram (the
  /// family owns them).
  explicit histogram(std::span<const double> bounds);
  histogram(const histogram&) = delete;
  histogram& operator=(const histogram&) = delete;

  /// Counts `x` in the first bucket whose bound is >= x (the +Inf bucket if
  /// none; NaN goes there too).
  void observe(double x) noexcept;

  /// Adds observations counted elsewhere, as if each had been observe()d:
  /// `counts[i]` more in bucket `i` (not cumulative: one per bound, then
  /// +Inf; a shorter span leaves the rest) and `sum` more to the sum. For a
  /// writer that counts a batch locally and publishes it at once (a kernel
  /// session's round trips, per poller round): one atomic add per non-zero
  /// bucket instead of two per observation.
  void add(std::span<const uint64_t> counts, double sum) noexcept;

  std::span<const double> bounds() const noexcept { return bounds_; }
  /// The count of bucket `i` alone (not cumulative); `i == bounds().size()`
  /// is the +Inf bucket.
  uint64_t bucket_count(size_t i) const noexcept {
    // Relaxed: pairs with the relaxed add in observe().
    return counts_[i].load(std::memory_order_relaxed);
  }
  double sum() const noexcept { return sum_.load(std::memory_order_relaxed); }

private:
  std::span<const double> bounds_;
  // bounds_.size() + 1 buckets, the last one +Inf. Relaxed adds in
  // observe(), relaxed loads in bucket_count(): a scrape may see a bucket
  // and the sum from slightly different moments, never a torn value.
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  // Relaxed (compare-exchange loop in observe()), as the buckets.
  std::atomic<double> sum_{0.0};
};

} // namespace ringactor::metrics
