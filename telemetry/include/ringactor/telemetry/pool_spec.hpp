// ringactor telemetry: a worker pool as a configuration file describes it
// ([pools.<name>]): which registered kernel or host actor type its workers
// are, how many, how it dispatches and restarts.
//
//   for (const auto& spec : cfg->pools)
//     if (spec.type_name == "adder")
//       adder pool = sys.spawn(spec.to_pool<adder>([](actor_system& s) {
//         return s.spawn(adder_impl); }));
#pragma once

#include <cstddef>
#include <string>
#include <utility>

#include <ringactor/supervision/pool.hpp>

namespace ringactor::telemetry {

/// Whether a pool's workers are kernel actors or host actors.
enum class worker_kind { kernel, actor };

struct pool_spec {
  using timespan = std::chrono::nanoseconds;

  /// The table's name: [pools.<name>].
  std::string name;
  worker_kind kind = worker_kind::actor;
  /// The registered name of the workers' type (pools.<name>.kernel or .actor).
  std::string type_name;
  std::size_t size = 1;
  supervision::dispatch_policy dispatch = supervision::round_robin{};
  /// Strategy and restart intensity (the pool's own, else [supervision]'s).
  supervision::strategy strategy = supervision::one_for_one{};
  bool idempotent = false;
  std::size_t max_redispatches = 2;
  std::size_t queue_capacity = 1024;
  timespan queue_timeout = std::chrono::seconds{1};
  /// Requests one worker may hold at a time; 0: unlimited
  /// (supervision::pool::max_in_flight_per_worker).
  std::size_t max_in_flight_per_worker = 0;
  timespan worker_timeout = std::chrono::seconds{30};
  /// Readiness: live workers the pool needs to be ready.
  std::size_t min_live_workers = 1;

  /// A supervision::pool with these settings whose workers come from
  /// `factory` (a callable actor_system& -> Interface).
  template <class Interface, class Factory>
  supervision::pool<Interface> to_pool(Factory&& factory) const {
    supervision::pool<Interface> p;
    p.size = size;
    p.factory = std::forward<Factory>(factory);
    p.strategy = strategy;
    p.dispatch = dispatch;
    p.idempotent = idempotent;
    p.max_redispatches = max_redispatches;
    p.queue_capacity = queue_capacity;
    p.queue_timeout = queue_timeout;
    p.max_in_flight_per_worker = max_in_flight_per_worker;
    p.worker_timeout = worker_timeout;
    p.name = name;
    p.min_live_workers = min_live_workers;
    return p;
  }
};

} // namespace ringactor::telemetry
