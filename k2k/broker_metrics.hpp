// ringactor k2k (internal): a broker's metric families in its actor
// system's registry (actor_system::metrics()), labelled by broker name:
//
//   ringactor_k2k_receipts_total{broker,status}  every receipt, by status
//   ringactor_k2k_receipt_hops{broker}           brokers each message passed
//   ringactor_k2k_queued{broker}                 messages in endpoint queues
//
// Updated in the broker's own thread, where its receipts are decided.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include <ringactor/metrics/gauge.hpp>
#include <ringactor/metrics/histogram.hpp>
#include <ringactor/metrics/counter.hpp>

#include "ringactor/k2k/receipt.hpp"

namespace ringactor {
class actor_system;
} // namespace ringactor

namespace ringactor::k2k::detail {

inline constexpr std::size_t delivery_statuses = 7; // delivered ... rejected

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

private:
  std::array<metrics::counter*, delivery_statuses> receipts_{};
  metrics::histogram* hops_ = nullptr;
  metrics::gauge* queued_ = nullptr;
};

} // namespace ringactor::k2k::detail
