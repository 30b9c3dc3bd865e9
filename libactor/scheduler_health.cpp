// ringactor: the scheduler's liveness probe (health.hpp). A worker is live
// when it finished a job since the last check, or is idle with nothing
// queued for it; one that did neither for worker_stall_timeout is stuck in a
// handler (or blocks in one) and fails the check.
#include <chrono>
#include <vector>

#include <fmt/format.h>

#include "scheduler.hpp"
#include "scheduler_health.hpp"

namespace ringactor::detail {

health_registry::probe scheduler_liveness_probe(const scheduler& sched,
                                                std::chrono::nanoseconds stall_timeout) {
  using clock = std::chrono::steady_clock;
  struct seen {
    uint64_t resumes = 0;
    clock::time_point since; // when resumes last changed, or the worker was last idle
    bool valid = false;
  };
  // Probes run one at a time under the registry's lock: no lock of our own.
  return
    [&sched, stall_timeout,
     last = std::vector<seen>(sched.num_workers())](std::vector<component_health>& out) mutable {
      auto now = clock::now();
      for (size_t i = 0; i < sched.num_workers(); ++i) {
        auto& w = sched.worker_at(i);
        auto& prev = last[i];
        component_health c{fmt::format("scheduler.worker.{}", i), true, {}};
        auto resumes = w.counters.resumes.load(std::memory_order_relaxed);
        auto queued = w.queue_size.load(std::memory_order_relaxed)
                      + (w.runnext.load(std::memory_order_relaxed) != nullptr ? 1 : 0);
        if (w.exited.load(std::memory_order_acquire)) {
          c.ok = false;
          c.reason = "stopped (the actor system shut down)";
        } else if (!prev.valid || resumes != prev.resumes) {
          prev = {resumes, now, true};
          c.reason = "running";
        } else if (w.idle.load(std::memory_order_relaxed) && queued == 0) {
          prev.since = now;
          c.reason = "idle";
        } else {
          auto stuck = std::chrono::duration<double>(now - prev.since).count();
          if (now - prev.since >= stall_timeout) {
            c.ok = false;
            c.reason = fmt::format("no job finished for {:.1f} s (a handler runs or blocks that "
                                   "long; {} job(s) queued here; limit {:.1f} s)",
                                   stuck, queued,
                                   std::chrono::duration<double>(stall_timeout).count());
          } else {
            c.reason = fmt::format("in one job for {:.1f} s", stuck);
          }
        }
        out.push_back(std::move(c));
      }
    };
}

} // namespace ringactor::detail
