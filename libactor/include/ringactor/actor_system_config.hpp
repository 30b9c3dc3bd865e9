// ringactor: how an actor system runs: workers, time slices, idle spinning,
// and how long shutdown waits for actors.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <thread>
#include <vector>

namespace ringactor {

class actor_system_config {
public:
  using timespan = std::chrono::nanoseconds;

  /// Scheduler worker threads (default: hardware threads, at least 1).
  size_t workers = default_workers();
  /// Messages an actor handles per run before it yields its worker.
  size_t max_throughput = 300;
  /// How long an idle worker spins (looking for work) before it parks.
  timespan idle_spin = std::chrono::microseconds{100};
  /// While an idle worker spins, it yields its core after its first polls
  /// instead of pausing: for a process whose actors share the cores with
  /// other busy threads (a network front's I/O threads, clients), which
  /// then run instead of the spin. Off by default: on cores of its own, a
  /// pausing spin hands messages between workers fastest. Kernels on the
  /// CPU backend spawned in this system idle the same way.
  bool idle_yield = false;
  /// How long shutdown waits for actors to exit before reporting them.
  timespan shutdown_grace = std::chrono::seconds{5};
  /// spawn runs an actor's init in the spawning thread while fewer than this
  /// many inits run inside one another there; a spawn from deeper inside
  /// (a chain of actors that spawn from init) leaves the init to a worker,
  /// which runs it before the actor's first message. The stack then holds at
  /// most this many nested inits. 0: every init runs on a worker, as in CAF.
  size_t max_inline_init_depth = 16;
  /// Liveness (actor_system::health()): a worker that has neither finished a
  /// job nor been idle for this long is reported stuck (a handler that never
  /// returns, or blocks).
  timespan worker_stall_timeout = std::chrono::seconds{30};

  /// Actor names whose actors keep the opt-in per-type metrics (as CAF's
  /// metrics-filters.actors.includes): ringactor_actor_mailbox_time_seconds
  /// and ringactor_actor_processing_time_seconds (histograms) and
  /// ringactor_actor_mailbox_size (gauge), labelled `name`. Patterns are
  /// globs (`*` any run of characters, `?` one) matched against the
  /// actor's name() as it is when its init returned (set_name in the
  /// behavior function, or a kernel's or pool's configured name). Names are
  /// types, not instances, so the label stays bounded; past the family's
  /// cap (512 names) further names go unmetered with a warning. Empty
  /// (the default): no actor pays more than one predictable branch per
  /// message. Nothing is metered in a build with -Druntime_metrics=false.
  std::vector<std::string> actor_metrics_includes;

  actor_system_config& set_workers(size_t n) {
    workers = n > 0 ? n : 1;
    return *this;
  }
  actor_system_config& set_max_throughput(size_t n) {
    max_throughput = n > 0 ? n : 1;
    return *this;
  }
  actor_system_config& set_idle_yield(bool x) {
    idle_yield = x;
    return *this;
  }
  actor_system_config& set_max_inline_init_depth(size_t n) {
    max_inline_init_depth = n;
    return *this;
  }
  /// See actor_metrics_includes: `cfg.set_actor_metrics_includes({"worker*", "counter"})`.
  actor_system_config& set_actor_metrics_includes(std::vector<std::string> globs) {
    actor_metrics_includes = std::move(globs);
    return *this;
  }
  template <class Rep, class Period>
  actor_system_config& set_idle_spin(std::chrono::duration<Rep, Period> x) {
    idle_spin = std::chrono::duration_cast<timespan>(x);
    return *this;
  }
  template <class Rep, class Period>
  actor_system_config& set_shutdown_grace(std::chrono::duration<Rep, Period> x) {
    shutdown_grace = std::chrono::duration_cast<timespan>(x);
    return *this;
  }

  template <class Rep, class Period>
  actor_system_config& set_worker_stall_timeout(std::chrono::duration<Rep, Period> x) {
    worker_stall_timeout = std::chrono::duration_cast<timespan>(x);
    return *this;
  }

  static size_t default_workers() noexcept {
    auto n = std::thread::hardware_concurrency();
    return n > 0 ? n : 1;
  }
};

} // namespace ringactor
