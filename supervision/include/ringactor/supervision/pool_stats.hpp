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

#include <ringactor/cancel_request.hpp>
#include <ringactor/message_id.hpp>

// A pool and cancel_request (ringactor/cancel_request.hpp), which the
// pool matches by id together with its sender, so an actor cancels only
// its own requests: a request still waiting in the pool's queue leaves it
// and never runs; a request a worker holds already cannot be taken back
// (no handler or kernel is stopped mid-message): its reply, when it comes,
// is dropped, and the worker's in-flight count drops then (or at
// worker_timeout). It is never sent to another worker. Either way the
// requester's promise is answered with supervision_error::request_cancelled
// at once, and pool_stats::cancelled counts it. An unknown or finished
// request is ignored, and so are broadcast and all_of requests (not
// cancellable). A worker that is itself a pool is not told: it finishes
// its part.

namespace ringactor::supervision {

/// Grows or shrinks the pool to `size` workers (answered with unit).
struct pool_resize {
  size_t size;
};

/// Asks for the pool's pool_stats.
struct get_pool_stats {};

struct worker_stats {
  std::string name;
  /// The running instance's actor id (0 while it is not running): the
  /// sender of the responses it gave through the pool.
  uint64_t actor = 0;
  bool running = false;
  size_t in_flight = 0;
  uint64_t served = 0;
  uint64_t starts = 0;
};

struct pool_stats {
  std::vector<worker_stats> workers;
  /// Requests waiting in the pool's queue: for a live worker, or for a
  /// free slot under max_in_flight_per_worker (no worker holds them yet).
  size_t queued = 0;
  /// The pool's max_in_flight_per_worker (0: unlimited).
  size_t max_in_flight_per_worker = 0;
  uint64_t served = 0;       ///< requests answered with a worker's response
  uint64_t redispatched = 0; ///< times a request moved off a dead worker
  uint64_t failed = 0;       ///< requests answered with worker_failed
  /// Of `failed`: requests that killed more workers than the pool's
  /// max_redispatches allows (an idempotent pool's poison requests).
  uint64_t poisoned = 0;
  uint64_t unavailable = 0; ///< requests answered with pool_unavailable
  /// Requests their requester cancelled (cancel_request) while the pool
  /// held them: queued ones (they never ran) and ones on a worker (their
  /// late replies are dropped).
  uint64_t cancelled = 0;
  uint64_t restarts = 0; ///< worker restarts
};

} // namespace ringactor::supervision
