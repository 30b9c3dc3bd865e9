// ringactor supervision: its metric families in the actor system's
// registry (actor_system::metrics()). Labels are bounded: supervisor and
// pool names, child spec names (a pool's workers share the child label
// "worker"), and exit reasons by kind, never an actor id.
//
//   ringactor_supervision_restarts_total{supervisor,child,reason}
//   ringactor_supervision_escalations_total{supervisor}   (intensity exceeded)
//   ringactor_pool_served_total{pool}
//   ringactor_pool_redispatched_total{pool}
//   ringactor_pool_failed_requests_total{pool,error}      (worker_failed, pool_unavailable)
//   ringactor_pool_poisoned_requests_total{pool}
//   ringactor_pool_cancelled_total{pool}                  (cancel_request)
//   ringactor_pool_in_flight{pool}, ringactor_pool_queued{pool},
//   ringactor_pool_live_workers{pool}
//
// A pool's counts are the ones get_pool_stats answers: each is one object
// that bumps both (mirrored_count), in the pool's own thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <ringactor/error.hpp>
#include <ringactor/metrics/counter.hpp>
#include <ringactor/metrics/family.hpp>
#include <ringactor/metrics/gauge.hpp>

namespace ringactor {
class actor_system;
} // namespace ringactor

namespace ringactor::supervision::detail {

/// A count of get_pool_stats that also bumps a metrics counter (null: the
/// registry refused the pool's label set, past its max_label_sets).
class mirrored_count {
public:
  void bind(metrics::counter* c) noexcept { metric_ = c; }
  mirrored_count& operator++() noexcept {
    ++value_;
    if (metric_ != nullptr)
      metric_->inc();
    return *this;
  }
  operator uint64_t() const noexcept { return value_; } // NOLINT: reads as the count

private:
  uint64_t value_ = 0;
  metrics::counter* metric_ = nullptr;
};

/// A level (requests in flight on one worker, a pool's queue, its live
/// workers) that also moves a gauge the pool's parts share; it takes back
/// what it added when it goes, so an ended pool leaves nothing behind.
class mirrored_level {
public:
  mirrored_level() = default;
  mirrored_level(const mirrored_level&) = delete;
  mirrored_level& operator=(const mirrored_level&) = delete;
  ~mirrored_level() { set(0); }

  void bind(metrics::gauge* g) noexcept {
    set(0);
    metric_ = g;
  }
  mirrored_level& operator++() noexcept {
    set(value_ + 1);
    return *this;
  }
  mirrored_level& operator--() noexcept {
    set(value_ - 1);
    return *this;
  }
  void set(size_t n) noexcept {
    if (metric_ != nullptr)
      metric_->inc(static_cast<int64_t>(n) - static_cast<int64_t>(value_));
    value_ = n;
  }
  operator size_t() const noexcept { return value_; } // NOLINT: reads as the level

private:
  size_t value_ = 0;
  metrics::gauge* metric_ = nullptr;
};

/// One pool's children of the ringactor_pool_* families (any may be null).
struct pool_metrics {
  metrics::counter* served = nullptr;
  metrics::counter* redispatched = nullptr;
  metrics::counter* worker_failed = nullptr;
  metrics::counter* unavailable = nullptr;
  metrics::counter* poisoned = nullptr;
  metrics::counter* cancelled = nullptr;
  metrics::gauge* in_flight = nullptr;
  metrics::gauge* queued = nullptr;
  metrics::gauge* live_workers = nullptr;

  /// The children labelled `pool`, created on first use.
  static pool_metrics of(actor_system& sys, const std::string& pool);
};

/// The reason label of an exit: an exit_reason by its name
/// ("unhandled_exception", "kill", ...), "normal" for none, any other
/// error by its category ("gpu", "supervision", ...).
std::string_view reason_label(const error& reason) noexcept;

/// The restart and escalation families, created on first use (a child set
/// asks for both when it is made, so that a page shows them before the
/// first restart).
metrics::counter_family& restarts_family(actor_system& sys);
metrics::counter_family& escalations_family(actor_system& sys);

/// Counts one restart of `child` under `supervisor` after it exited with
/// `reason`.
void count_restart(actor_system& sys, const std::string& supervisor, const std::string& child,
                   const error& reason);

/// Counts one escalation: `supervisor` exceeded its restart intensity and
/// gave up.
void count_escalation(actor_system& sys, const std::string& supervisor);

} // namespace ringactor::supervision::detail
