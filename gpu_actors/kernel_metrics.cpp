// ringactor: a kernel actor's metric families (detail/kernel_metrics.hpp),
// and the poller's side of a kernel session that publishes to them.
#include "ringactor/gpu/detail/kernel_metrics.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <mutex>

#include <ringactor/metrics/registry.hpp>

#include "ringactor/gpu/detail/kernel_session.hpp"
#include "ringactor/gpu/errors.hpp"

namespace ringactor::detail {

// -- labels -----------------------------------------------------------------------------

namespace {

constexpr std::array<std::string_view, 4> kernel_fault_reasons{
  "kernel_fault",
  "kernel_stalled",
  "device_lost",
  "not_resident",
};

template <class T>
T* child_or_null(expected<T*> x) noexcept {
  return x ? *x : nullptr;
}

} // namespace

std::string_view fault_reason_label(const error& reason) noexcept {
  if (!reason || &reason.code().category() != &gpu_category())
    return "other";
  switch (static_cast<gpu_error>(reason.code().value())) {
    case gpu_error::kernel_fault: return "kernel_fault";
    case gpu_error::kernel_stalled: return "kernel_stalled";
    case gpu_error::buffer_released: return "buffer_released";
    case gpu_error::device_lost: return "device_lost";
    case gpu_error::not_resident: return "not_resident";
  }
  return "other";
}

std::string kernel_label(const std::string& name, std::string_view type_name) {
  if (name == kernel_config{}.name && !type_name.empty())
    return std::string{type_name};
  return name;
}

// -- round_trip_batch -------------------------------------------------------------------

round_trip_batch::round_trip_batch() : counts_(metrics::default_time_buckets().size() + 1) {}

void round_trip_batch::add(std::chrono::nanoseconds round_trip) noexcept {
  auto x = std::chrono::duration<double>(round_trip).count();
  auto bounds = metrics::default_time_buckets();
  // As histogram::observe: the first bound >= x, else +Inf.
  auto i = static_cast<std::size_t>(std::lower_bound(bounds.begin(), bounds.end(), x)
                                    - bounds.begin());
  ++counts_[i];
  sum_ += x;
  ++observations_;
}

void round_trip_batch::publish_to(metrics::histogram& h) noexcept {
  h.add(counts_, sum_);
  std::fill(counts_.begin(), counts_.end(), 0);
  sum_ = 0;
  observations_ = 0;
}

// -- kernel_metrics ---------------------------------------------------------------------

kernel_metrics::kernel_metrics(metrics::registry& reg, std::string_view kernel,
                               kernel_backend backend, int device)
  : kernel_(kernel),
    backend_(backend == kernel_backend::cuda ? "cuda" : "cpu"),
    device_(backend == kernel_backend::cuda ? std::to_string(device) : "host") {
  std::string_view labels[] = {kernel_, backend_, device_};
  messages_ = child_or_null(reg
                              .counter_family("ringactor_kernel_messages_total",
                                              "Messages kernels handled.",
                                              {"kernel", "backend", "device"})
                              .get(labels));
  auto& depth = reg.gauge_family("ringactor_kernel_ring_depth",
                                 "Slots in kernels' rings not yet taken by the other side "
                                 "(h2k: by the kernel, k2h: by the host).",
                                 {"kernel", "backend", "device", "ring"});
  h2k_ = child_or_null(depth.get({kernel_, backend_, device_, "h2k"}));
  k2h_ = child_or_null(depth.get({kernel_, backend_, device_, "k2h"}));
  backlog_ = child_or_null(reg
                             .gauge_family("ringactor_kernel_backlog",
                                           "Messages waiting in kernel actors' proxies for "
                                           "room in the H2K ring.",
                                           {"kernel", "backend", "device"})
                             .get(labels));
  round_trips_ = child_or_null(
    reg
      .histogram_family("ringactor_kernel_round_trip_seconds",
                        "Time from a request's push to a kernel until the host saw its reply.",
                        {"kernel", "backend", "device"})
      .get(labels));
  heartbeat_age_ = child_or_null(
    reg
      .double_gauge_family("ringactor_kernel_heartbeat_age_seconds",
                           "Time since the completion poller last saw kernels' heartbeat "
                           "advance (summed over the live kernels of a label set; 0 in "
                           "launch mode).",
                           {"kernel", "backend", "device"})
      .get(labels));
  faults_ = &reg.counter_family("ringactor_kernel_faults_total",
                                "Faults and stalls that ended kernels (or their drain), by "
                                "reason (the gpu_error).",
                                {"kernel", "backend", "device", "reason"});
  // Every reason from the start, so that a page shows them at 0.
  for (auto reason : kernel_fault_reasons)
    (void) faults_->get({kernel_, backend_, device_, reason});
}

void kernel_metrics::publish(const kernel_levels& now) noexcept {
  if (now.messages_processed > messages_seen_) {
    if (messages_ != nullptr)
      messages_->inc(now.messages_processed - messages_seen_);
    messages_seen_ = now.messages_processed;
  }
  if (taken_back_)
    return;
  auto move = [](metrics::gauge* g, std::int64_t& added, std::uint64_t level) {
    auto x = static_cast<std::int64_t>(level);
    if (g != nullptr && x != added)
      g->inc(x - added);
    added = x;
  };
  move(h2k_, h2k_added_, now.h2k_depth);
  move(k2h_, k2h_added_, now.k2h_depth);
  move(backlog_, backlog_added_, now.backlog);
  // In steps of 2^-20 s (about a microsecond): sums and differences of such
  // values are exact, so that kernels sharing the gauge take back exactly
  // what they added, and it returns to 0, not to a rounding residue.
  auto age = std::floor(std::chrono::duration<double>(now.heartbeat_age).count() * 0x1p20)
             * 0x1p-20;
  if (heartbeat_age_ != nullptr && age != heartbeat_age_added_)
    heartbeat_age_->add(age - heartbeat_age_added_);
  heartbeat_age_added_ = age;
}

void kernel_metrics::take_back() noexcept {
  if (taken_back_)
    return;
  if (h2k_ != nullptr)
    h2k_->dec(h2k_added_);
  if (k2h_ != nullptr)
    k2h_->dec(k2h_added_);
  if (backlog_ != nullptr)
    backlog_->dec(backlog_added_);
  if (heartbeat_age_ != nullptr)
    heartbeat_age_->add(-heartbeat_age_added_);
  h2k_added_ = k2h_added_ = backlog_added_ = 0;
  heartbeat_age_added_ = 0;
  taken_back_ = true;
}

void kernel_metrics::count_fault(const error& reason) noexcept {
  if (faults_ == nullptr)
    return;
  if (auto c = faults_->get({kernel_, backend_, device_, fault_reason_label(reason)}))
    (*c)->inc();
}

// -- kernel_session: publishing -----------------------------------------------------------

void kernel_session::publish_metrics(std::chrono::steady_clock::time_point now, bool ended) {
  next_metrics_ = now + metrics_publish_interval;
  // The children live in the system's registry, which the kernel may
  // outlive (a stalled kernel that stops late): kept while publishing.
  auto registry = sys_.metrics();
  if (!registry)
    return;
  auto s = stats(backlog_size_.load(std::memory_order_relaxed));
  kernel_levels levels;
  levels.messages_processed = s.messages_processed;
  levels.h2k_depth = s.h2k_depth;
  levels.k2h_depth = s.k2h_depth;
  levels.backlog = s.backlog;
  // Launch mode has no heartbeat to watch between launches.
  if (cfg_.mode == loop_mode::persistent)
    levels.heartbeat_age = s.heartbeat_age;
  metrics_.publish(levels);
  {
    // Whoever drains now publishes next time; at the end nobody drains.
    std::unique_lock guard{drain_mutex_, std::defer_lock};
    if (ended)
      guard.lock();
    else
      (void) guard.try_lock();
    if (guard.owns_lock() && !round_trips_.empty() && metrics_.round_trips() != nullptr)
      round_trips_.publish_to(*metrics_.round_trips());
  }
  if (ended)
    metrics_.take_back();
}

} // namespace ringactor::detail
