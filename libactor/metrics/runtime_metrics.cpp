// The runtime's own metrics: a collector that sums the scheduler's
// per-worker counters at scrape time, and the counting of request outcomes
// and rejected messages where those events happen.
#include "runtime_metrics.hpp"

#include <array>
#include <string>

#include "runtime_counters.hpp"
#include "../system_core.hpp"

namespace ringactor::detail {

namespace {

constexpr std::array<const char*, request_outcomes> outcome_names{
  "value", "error", "timeout", "dead_receiver", "unexpected_message", "broken_promise",
};

} // namespace

request_outcome classify_response(mailbox_element* x, const error* err) noexcept {
  const error* e = err;
  if (e == nullptr && x != nullptr)
    e = x->get_if<error>();
  if (e == nullptr)
    return request_outcome::value;
  if (*e == sec::request_timeout)
    return request_outcome::timeout;
  if (*e == sec::dead_receiver)
    return request_outcome::dead_receiver;
  if (*e == sec::unexpected_message)
    return request_outcome::unexpected_message;
  if (*e == sec::broken_promise)
    return request_outcome::broken_promise;
  return request_outcome::error;
}

void count_request(system_core& core, request_outcome outcome) noexcept {
  auto i = static_cast<size_t>(outcome);
  if (auto w = core.sched.this_worker())
    worker_counters::bump(w->counters.requests[i]);
  else
    core.off_worker.requests[i].fetch_add(1, std::memory_order_relaxed);
}

void count_rejected(system_core& core) noexcept {
  if (auto w = core.sched.this_worker())
    worker_counters::bump(w->counters.rejected);
  else
    core.off_worker.rejected.fetch_add(1, std::memory_order_relaxed);
}

metrics::collector_handle register_runtime_metrics(system_core& core) {
  return core.metrics.add_collector([&core](metrics::sample_sink& out) {
    using metrics::metric_type;
    auto& sched = core.sched;
    uint64_t messages = 0;
    uint64_t steals = 0;
    uint64_t parks = 0;
    uint64_t rejected = core.off_worker.rejected.load(std::memory_order_relaxed);
    std::array<uint64_t, request_outcomes> requests{};
    for (size_t i = 0; i < request_outcomes; ++i)
      requests[i] = core.off_worker.requests[i].load(std::memory_order_relaxed);
    // Relaxed loads: each pairs with its worker's relaxed store (bump).
    for (size_t w = 0; w < sched.num_workers(); ++w) {
      auto& c = sched.worker_at(w).counters;
      messages += c.messages.load(std::memory_order_relaxed);
      steals += c.steals.load(std::memory_order_relaxed);
      parks += c.parks.load(std::memory_order_relaxed);
      rejected += c.rejected.load(std::memory_order_relaxed);
      for (size_t i = 0; i < request_outcomes; ++i)
        requests[i] += c.requests[i].load(std::memory_order_relaxed);
    }
    auto scalar = [&out](const char* name, const char* help, metric_type type, double value) {
      if (auto f = out.family(name, help, type, {}))
        out.add(*f, {}, value);
    };
    scalar("ringactor_system_running_actors", "Actors spawned and not yet exited.",
           metric_type::gauge, static_cast<double>(core.registry.size()));
    scalar("ringactor_system_spawned_actors_total", "Actors spawned since the system started.",
           metric_type::counter, static_cast<double>(core.spawned.load(std::memory_order_relaxed)));
    scalar("ringactor_system_processed_messages_total", "Messages handled by scheduled actors.",
           metric_type::counter, static_cast<double>(messages));
    scalar("ringactor_system_rejected_messages_total",
           "Messages a mailbox refused because its actor had exited (requests among them were "
           "answered with dead_receiver).",
           metric_type::counter, static_cast<double>(rejected));
    scalar("ringactor_scheduler_steals_total", "Actors a worker took from another worker.",
           metric_type::counter, static_cast<double>(steals));
    scalar("ringactor_scheduler_parks_total", "Times a worker went to sleep for lack of work.",
           metric_type::counter, static_cast<double>(parks));
    scalar("ringactor_scheduler_wakeups_total", "Times a producer woke a parked worker.",
           metric_type::counter, static_cast<double>(sched.wakeups()));
    if (auto f = out.family("ringactor_requests_total",
                            "Requests completed, by the outcome their requester saw.",
                            metric_type::counter, {"outcome"}))
      for (size_t i = 0; i < request_outcomes; ++i)
        out.add(*f, {outcome_names[i]}, static_cast<double>(requests[i]));
  });
}

} // namespace ringactor::detail
