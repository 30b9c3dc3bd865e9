// A K2K broker's metric families (broker_metrics.hpp).
#include "broker_metrics.hpp"

#include <vector>

#include <ringactor/actor_system.hpp>
#include <ringactor/metrics/registry.hpp>

namespace ringactor::k2k::detail {

broker_metrics::broker_metrics(actor_system& sys, const std::string& broker) {
  auto& reg = sys.metrics();
  auto& receipts = reg.counter_family("ringactor_k2k_receipts_total",
                                      "Messages a K2K broker decided, by receipt status.",
                                      {"broker", "status"});
  for (std::size_t i = 0; i < delivery_statuses; ++i)
    if (auto c = receipts.get({broker, to_string(static_cast<delivery_status>(i))}))
      receipts_[i] = *c;
  auto& hops = reg.histogram_family(
    "ringactor_k2k_receipt_hops",
    "Brokers a message passed before its receipt (0: delivered here).", {"broker"},
    std::vector<double>{0, 1, 2, 3, 4, 6, 8, 12, 16});
  if (auto h = hops.get({broker}))
    hops_ = *h;
  auto& queued = reg.gauge_family("ringactor_k2k_queued",
                                  "Messages waiting in a K2K broker's endpoint queues.",
                                  {"broker"});
  if (auto g = queued.get({broker}))
    queued_ = *g;
}

} // namespace ringactor::k2k::detail
