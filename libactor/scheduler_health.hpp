// ringactor (internal): the scheduler's liveness probe.
#pragma once

#include <chrono>

#include "ringactor/health.hpp"

namespace ringactor::detail {

class scheduler;

/// One "scheduler.worker.N" entry per worker (see scheduler_health.cpp).
/// `sched` must outlive the probe.
health_registry::probe scheduler_liveness_probe(const scheduler& sched,
                                                std::chrono::nanoseconds stall_timeout);

} // namespace ringactor::detail
