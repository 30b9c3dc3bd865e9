// ringactor (internal): a kernel actor's metric families in its actor
// system's registry (actor_system::metrics()). Labels are bounded: the
// kernel's spawn name (kernel_config::name; its type's name when that is
// left at the default "kernel"), the backend ("cpu", "cuda"), the device
// ("host" on the CPU backend, else the CUDA ordinal) and, for faults, the
// gpu_error by name. Never a kernel id or an actor id.
//
//   ringactor_kernel_messages_total{kernel,backend,device}        handled by the kernel
//   ringactor_kernel_ring_depth{kernel,backend,device,ring}       ring = h2k | k2h
//   ringactor_kernel_backlog{kernel,backend,device}               waiting in the proxy
//   ringactor_kernel_round_trip_seconds{kernel,backend,device}    request sent to reply seen
//   ringactor_kernel_heartbeat_age_seconds{kernel,backend,device} since the heartbeat moved
//   ringactor_kernel_faults_total{kernel,backend,device,reason}   kernel_fault, kernel_stalled,
//                                                                 device_lost, not_resident
//
// Kernels that share a label set share the children: the gauges hold the
// sum of what each live kernel adds (the heartbeat age too), and a kernel
// that ends takes its share back; the counters and the histogram keep their
// totals.
//
// Nothing here runs per message on a shared cache line. The completion
// poller publishes the levels and the message count at most once per
// metrics_publish_interval (kernel_session::publish_metrics), and whoever
// drains K2H counts round trips into a round_trip_batch of the session,
// which the poller adds to the histogram in one go.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <ringactor/error.hpp>
#include <ringactor/metrics/counter.hpp>
#include <ringactor/metrics/family.hpp>
#include <ringactor/metrics/gauge.hpp>
#include <ringactor/metrics/histogram.hpp>

#include "ringactor/gpu/kernel_config.hpp"

namespace ringactor::metrics {
class registry;
} // namespace ringactor::metrics

namespace ringactor::detail {

/// How often the poller publishes a kernel's levels and counts at most.
inline constexpr std::chrono::milliseconds metrics_publish_interval{1};

/// The reason label of a kernel's failure: the gpu_error enumerator's name
/// ("kernel_fault", "kernel_stalled", "device_lost", "not_resident"),
/// "other" for an error of another kind.
std::string_view fault_reason_label(const error& reason) noexcept;

/// The `kernel` label of a kernel spawned with `name` (kernel_config::name)
/// whose type is called `type_name`: the name, unless it is the default
/// and the type's name is known.
std::string kernel_label(const std::string& name, std::string_view type_name);

/// Round trips counted where K2H is drained, in the buckets of
/// metrics::default_time_buckets(), until the poller publishes them. Not
/// thread-safe: the session's drain mutex guards it.
class round_trip_batch {
public:
  round_trip_batch();

  void add(std::chrono::nanoseconds round_trip) noexcept;
  bool empty() const noexcept { return observations_ == 0; }
  /// Adds the batch to `h` (whose bounds are default_time_buckets()) and
  /// starts a new one.
  void publish_to(metrics::histogram& h) noexcept;

private:
  std::vector<std::uint64_t> counts_; // one per bound, then +Inf
  double sum_ = 0;
  std::uint64_t observations_ = 0;
};

/// What a kernel's gauges and message counter show, read by the poller.
struct kernel_levels {
  std::uint64_t messages_processed = 0; ///< the control block's count, since the start
  std::uint64_t h2k_depth = 0;
  std::uint64_t k2h_depth = 0;
  std::uint64_t backlog = 0;
  std::chrono::nanoseconds heartbeat_age{0};
};

/// One kernel's children of the ringactor_kernel_* families (any the
/// registry refused, past its cap on label sets, stays null) and the share
/// of each gauge it added. Child pointers are valid while the registry
/// lives: callers that may outlive the system hold system_ref::metrics().
class kernel_metrics {
public:
  /// Publishes nothing.
  kernel_metrics() = default;
  /// The children of `kernel` on `backend` (cpu or cuda) and `device`,
  /// created on first use.
  kernel_metrics(metrics::registry& reg, std::string_view kernel, kernel_backend backend,
                 int device);
  kernel_metrics(const kernel_metrics&) = delete;
  kernel_metrics& operator=(const kernel_metrics&) = delete;

  // -- the poller's thread --------------------------------------------------------------

  /// Counts the messages handled since the last call and moves each gauge
  /// by the change in this kernel's share. After take_back() only the count.
  void publish(const kernel_levels& now) noexcept;
  /// The kernel ended: takes its share out of every gauge, for good.
  void take_back() noexcept;

  metrics::histogram* round_trips() const noexcept { return round_trips_; }

  // -- any thread, while the system lives -----------------------------------------------

  /// Counts a fault or stall that ended the kernel (or its drain).
  void count_fault(const error& reason) noexcept;

private:
  // Labels, for faults by reason (children created when first counted).
  std::string kernel_;
  std::string backend_;
  std::string device_;
  metrics::counter_family* faults_ = nullptr;
  metrics::histogram* round_trips_ = nullptr;
  // Poller thread only: the children and what this kernel added to them.
  metrics::counter* messages_ = nullptr;
  std::uint64_t messages_seen_ = 0;
  metrics::gauge* h2k_ = nullptr;
  metrics::gauge* k2h_ = nullptr;
  metrics::gauge* backlog_ = nullptr;
  metrics::double_gauge* heartbeat_age_ = nullptr;
  std::int64_t h2k_added_ = 0;
  std::int64_t k2h_added_ = 0;
  std::int64_t backlog_added_ = 0;
  double heartbeat_age_added_ = 0;
  bool taken_back_ = false;
};

} // namespace ringactor::detail
