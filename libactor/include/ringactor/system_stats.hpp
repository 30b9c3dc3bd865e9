// ringactor: counters a metrics exporter can read. Each is cheap to keep:
// per-worker relaxed counters summed on read.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ringactor/abstract_actor.hpp"

namespace ringactor {

struct system_stats {
  uint64_t actors_alive = 0;       ///< spawned and not yet exited
  uint64_t actors_spawned = 0;     ///< since the system started
  uint64_t messages_processed = 0; ///< handled by scheduled actors
  uint64_t steals = 0;             ///< actors a worker took from another's queue
  uint64_t parks = 0;              ///< times a worker went to sleep for lack of work
  uint64_t runnext_steals = 0;     ///< of the steals: an actor about to run next on a
                                   ///< busy worker (a message chain moving to another core)
  uint64_t wakeups = 0;            ///< times a producer signalled a parked worker
  uint64_t callback_requests_waiting = 0; ///< callback requests (callback_request.hpp)
                                          ///< with a deadline and no answer yet
};

/// What shutdown did: which actors did not exit within the grace period.
struct shutdown_report {
  struct straggler {
    actor_id id;
    std::string name;
  };
  std::vector<straggler> stragglers;
  bool clean() const noexcept { return stragglers.empty(); }
};

} // namespace ringactor
