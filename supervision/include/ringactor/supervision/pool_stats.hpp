// ringactor supervision: the control messages of a worker pool (pool.hpp)
// and the statistics it answers get_pool_stats with. Send them through the
// pool's untyped handle: actor_cast<actor>(pool).
//
//   auto st = self->request(actor_cast<actor>(p), 1s, get_pool_stats{}).get<pool_stats>();
//   if (st && st->poisoned > 0) ...
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ringactor::supervision {

/// Grows or shrinks the pool to `size` workers (answered with unit).
struct pool_resize {
  size_t size;
};

/// Asks for the pool's pool_stats.
struct get_pool_stats {};

struct worker_stats {
  std::string name;
  bool running = false;
  size_t in_flight = 0;
  uint64_t served = 0;
  uint64_t starts = 0;
};

struct pool_stats {
  std::vector<worker_stats> workers;
  size_t queued = 0;
  uint64_t served = 0;       ///< requests answered with a worker's response
  uint64_t redispatched = 0; ///< times a request moved off a dead worker
  uint64_t failed = 0;       ///< requests answered with worker_failed
  /// Of `failed`: requests that killed more workers than the pool's
  /// max_redispatches allows (an idempotent pool's poison requests).
  uint64_t poisoned = 0;
  uint64_t unavailable = 0; ///< requests answered with pool_unavailable
  uint64_t restarts = 0;    ///< worker restarts
};

} // namespace ringactor::supervision
