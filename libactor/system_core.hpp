// ringactor (internal): the state behind an actor_system. Worker threads
// hold it by shared_ptr so that a worker detached at shutdown (stuck in a
// handler) never runs on freed memory.
#pragma once

#include <atomic>
#include <memory>
#include <optional>

#include "actor_registry.hpp"
#include "request_deadlines.hpp"
#include "metrics/actor_metrics.hpp"
#include "metrics/runtime_counters.hpp"
#include "ringactor/metrics/registry.hpp"
#include "ringactor/actor_system_config.hpp"
#include "ringactor/health.hpp"
#include "ringactor/named_actor_registry.hpp"
#include "scheduler.hpp"
#include "timer_service.hpp"
#if RINGACTOR_HAS_JSON
#  include "ringactor/topics.hpp"
#endif

namespace ringactor {
class actor_system;
} // namespace ringactor

namespace ringactor::detail {

struct system_core {
  explicit system_core(actor_system_config config) : cfg(std::move(config)), sched(cfg) {}

  actor_system_config cfg;
  actor_system* owner = nullptr;
  std::atomic<uint64_t> spawned{0};
  // Set once shutdown starts (release); read by spawn paths (acquire).
  std::atomic<bool> stopping{false};
  bool shut_down = false;
  actor_registry registry;
  // Cleared by shutdown(); declared after `registry`, so destroyed before it.
  named_actor_registry names;
#if RINGACTOR_HAS_JSON
  // The system's topics (topics::of(sys)): made by the system's
  // constructor (they need the system), cleared by shutdown() as `names`.
  std::optional<ringactor::topics> topics;
#endif
  // Declared before the scheduler, whose probe it holds.
  health_registry health;
  // The deadlines of callback requests: armed on `timer`, declared before
  // it so that the timer (whose thread runs its actions) goes first.
  request_deadlines deadlines{timer};
  timer_service timer;
  scheduler sched;
  // Request outcomes and rejections counted off the workers.
  off_worker_counters off_worker;
  // The system's metrics (actor_system::metrics()). Declared after sched:
  // the runtime's collector below reads the scheduler, so both go first.
  ringactor::metrics::registry metrics;
  // Removed before the registry it is in (declared after it).
  ringactor::metrics::collector_handle runtime_metrics;
  // The opt-in per-type actor metrics (families in `metrics`).
  actor_metrics_table actor_metrics{metrics, cfg.actor_metrics_includes};
};

} // namespace ringactor::detail
