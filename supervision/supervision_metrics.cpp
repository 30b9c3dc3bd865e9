// Supervision's metric families (detail/supervision_metrics.hpp).
#include "ringactor/supervision/detail/supervision_metrics.hpp"

#include <array>

#include <ringactor/actor_system.hpp>
#include <ringactor/metrics/registry.hpp>

namespace ringactor::supervision::detail {

namespace {

template <class T>
T* child_or_null(expected<T*> x) noexcept {
  return x ? *x : nullptr;
}

} // namespace

pool_metrics pool_metrics::of(actor_system& sys, const std::string& pool) {
  auto& reg = sys.metrics();
  auto counter = [&](const char* name, const char* help) {
    return child_or_null(reg.counter_family(name, help, {"pool"}).get({pool}));
  };
  auto gauge = [&](const char* name, const char* help) {
    return child_or_null(reg.gauge_family(name, help, {"pool"}).get({pool}));
  };
  auto& failed = reg.counter_family("ringactor_pool_failed_requests_total",
                                    "Requests a pool answered with an error of its own, by error "
                                    "(worker_failed, pool_unavailable).",
                                    {"pool", "error"});
  pool_metrics m;
  m.served = counter("ringactor_pool_served_total", "Requests answered with a worker's response.");
  m.redispatched = counter("ringactor_pool_redispatched_total",
                           "Times a request moved off a dead worker to another one.");
  m.worker_failed = child_or_null(failed.get({pool, "worker_failed"}));
  m.unavailable = child_or_null(failed.get({pool, "pool_unavailable"}));
  m.poisoned = counter("ringactor_pool_poisoned_requests_total",
                       "Requests answered with worker_failed because they killed more workers "
                       "than max_redispatches allows.");
  m.cancelled = counter("ringactor_pool_cancelled_total",
                        "Requests their requester cancelled while the pool held them.");
  m.in_flight = gauge("ringactor_pool_in_flight", "Requests on the pool's workers now.");
  m.queued = gauge("ringactor_pool_queued", "Requests waiting for a live worker.");
  m.live_workers = gauge("ringactor_pool_live_workers", "Workers that take requests now.");
  return m;
}

std::string_view reason_label(const error& reason) noexcept {
  static constexpr std::array<std::string_view, 6> exit_reasons{
    "normal", "unhandled_exception", "unknown", "user_shutdown", "kill", "unreachable",
  };
  if (!reason)
    return "normal";
  auto code = reason.code();
  if (&code.category() == &exit_reason_category()) {
    auto i = static_cast<size_t>(code.value());
    return i < exit_reasons.size() ? exit_reasons[i] : "exit_reason";
  }
  return code.category().name();
}

metrics::counter_family& restarts_family(actor_system& sys) {
  return sys.metrics().counter_family(
    "ringactor_supervision_restarts_total",
    "Children restarted after they exited, by supervisor (or pool), child and exit reason.",
    {"supervisor", "child", "reason"});
}

metrics::counter_family& escalations_family(actor_system& sys) {
  return sys.metrics().counter_family(
    "ringactor_supervision_escalations_total",
    "Times a supervisor (or pool) exceeded its restart intensity and gave up.", {"supervisor"});
}

void count_restart(actor_system& sys, const std::string& supervisor, const std::string& child,
                   const error& reason) {
  if (auto c = restarts_family(sys).get({supervisor, child, reason_label(reason)}))
    (*c)->inc();
}

void count_escalation(actor_system& sys, const std::string& supervisor) {
  if (auto c = escalations_family(sys).get({supervisor}))
    (*c)->inc();
}

} // namespace ringactor::supervision::detail
