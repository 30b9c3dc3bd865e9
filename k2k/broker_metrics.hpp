// ringactor k2k (internal): a broker's metric families in its actor
// system's registry (actor_system::metrics()), labelled by broker name:
//
//   ringactor_k2k_receipts_total{broker,status}  every receipt, by status
//   ringactor_k2k_receipt_hops{broker}           brokers each message passed
//   ringactor_k2k_queued{broker}                 messages in endpoint queues
//   ringactor_k2k_device_sends_total{broker,outcome}
//                                                its kernel endpoints' ctx.send
//                                                calls, by outcome
//   ringactor_k2k_device_channel_depth{broker}   messages in its device channels
//                                                not yet taken
//
// The first three are updated in the broker's own thread, where its receipts
// are decided. The device families count what kernels do without the
// broker: a collector reads the kernels' counters at each scrape, on the
// scraper's thread (device_links::send_levels, under the lock the broker
// holds while it changes links), so a scrape is never stale; they exist while
// the broker lives. The outcomes (device_send_outcomes, the fields of
// k2k::device_send_totals):
//
//   channel          pushed into a device channel to a kernel on the same device
//   host             pushed into K2H for a host endpoint (or a kernel elsewhere)
//   broker           pushed into K2H for the broker to route (a routed destination)
//   not_found        no route to the destination
//   not_accepted     the destination kernel takes no message of that type
//   too_large        larger than a slot of the device channel or of K2H
//   queue_full       the device channel was full; nothing sent
//   host_queue_full  K2H stayed full until the kernel was asked to terminate
//
// Totals include endpoints unregistered and channels torn down (see
// k2k::device_send_totals for what is read when). Two brokers of one name
// add up.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <ringactor/metrics/counter.hpp>
#include <ringactor/metrics/gauge.hpp>
#include <ringactor/metrics/histogram.hpp>
#include <ringactor/metrics/registry.hpp>

#include "device_links.hpp"
#include "ringactor/k2k/receipt.hpp"

namespace ringactor {
class actor_system;
} // namespace ringactor

namespace ringactor::k2k::detail {

inline constexpr std::size_t delivery_statuses = 7; // delivered ... rejected

/// The `outcome` label values of ringactor_k2k_device_sends_total.
inline constexpr std::array<std::string_view, 8> device_send_outcomes{
  "channel",      "host",      "broker",     "not_found",
  "not_accepted", "too_large", "queue_full", "host_queue_full",
};

/// `totals`' fields in the order of device_send_outcomes.
std::array<std::uint64_t, device_send_outcomes.size()>
by_outcome(const device_send_totals& totals) noexcept;

class broker_metrics {
public:
  broker_metrics() = default;
  /// The children labelled `broker` (any the registry refuses stays null).
  broker_metrics(actor_system& sys, const std::string& broker);

  /// A receipt was decided.
  void receipt(delivery_status status, std::uint32_t hops) noexcept {
    if (auto c = receipts_[static_cast<std::size_t>(status)])
      c->inc();
    if (hops_ != nullptr)
      hops_->observe(static_cast<double>(hops));
  }

  /// The gauge the broker's endpoint queues add their depth to.
  metrics::gauge* queued() const noexcept { return queued_; }

  /// Reports the device families at every scrape from `links`, until
  /// stop_watching(). `links` must outlive that.
  void watch(const device_links& links);

  /// Removes the collector; once this returned no scrape reads the links.
  void stop_watching() noexcept { collector_.reset(); }

private:
  metrics::registry* registry_ = nullptr;
  std::string broker_;
  metrics::collector_handle collector_;
  std::array<metrics::counter*, delivery_statuses> receipts_{};
  metrics::histogram* hops_ = nullptr;
  metrics::gauge* queued_ = nullptr;
};

} // namespace ringactor::k2k::detail
