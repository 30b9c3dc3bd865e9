// A K2K broker's metric families (broker_metrics.hpp).
#include "broker_metrics.hpp"

#include <vector>

#include <ringactor/actor_system.hpp>
#include <ringactor/metrics/registry.hpp>

namespace ringactor::k2k::detail {

std::array<std::uint64_t, device_send_outcomes.size()>
by_outcome(const device_send_totals& x) noexcept {
  return {x.channel,      x.host,      x.broker,     x.not_found,
          x.not_accepted, x.too_large, x.queue_full, x.host_queue_full};
}

broker_metrics::broker_metrics(actor_system& sys, const std::string& broker)
  : registry_(&sys.metrics()), broker_(broker) {
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

void broker_metrics::watch(const device_links& links) {
  if (registry_ == nullptr)
    return;
  collector_ = registry_->add_collector([&links, broker = broker_](metrics::sample_sink& out) {
    auto now = links.send_levels();
    if (auto f = out.family("ringactor_k2k_device_sends_total",
                            "Sends kernels registered at a K2K broker made with ctx.send, by "
                            "outcome (channel: into a device channel; host, broker: into K2H).",
                            metrics::metric_type::counter, {"broker", "outcome"})) {
      auto values = by_outcome(now.sends);
      for (std::size_t i = 0; i < values.size(); ++i)
        out.add(*f, {broker, std::string{device_send_outcomes[i]}}, static_cast<double>(values[i]));
    }
    if (auto f = out.family("ringactor_k2k_device_channel_depth",
                            "Messages in a K2K broker's device channels not yet taken by the "
                            "receiving kernel.",
                            metrics::metric_type::gauge, {"broker"}))
      out.add(*f, {broker}, static_cast<double>(now.channel_depth));
  });
}

} // namespace ringactor::k2k::detail
