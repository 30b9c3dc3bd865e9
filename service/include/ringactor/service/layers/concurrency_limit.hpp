// ringactor service: the concurrency-limit layer with load shedding. At
// most `max_in_flight` requests are past it (in the layers after it and the
// handler) at once. One more waits for a slot in a FIFO queue of at most
// `max_waiting` requests, for at most `queue_timeout`; with the queue full
// (or without one, the default) it is shed at once with 503
// {"error":"shedding"} and Retry-After, instead of queueing behind work it
// would only delay; a request that waited queue_timeout is shed the same way.
//
//   server.use(service::concurrency_limit({.max_in_flight = 4, .max_waiting = 16,
//                                          .queue_timeout = std::chrono::milliseconds{500}}));
//
// A waiting request holds no network thread: it is a queue entry until a
// slot frees, then it goes on (on the layer's own thread) to the layers
// after this one. A waiter whose request is cancelled (its client went
// away, the server stops) leaves the queue and never reaches the handler.
#pragma once

#include <chrono>
#include <cstddef>

#include "ringactor/service/middleware.hpp"

namespace ringactor::service {

struct concurrency_limit_options {
  std::size_t max_in_flight = 64; ///< at least 1
  std::chrono::seconds retry_after{1};
  /// Requests that may wait for a slot (0: none; one past the limit is shed
  /// at once).
  std::size_t max_waiting = 0;
  /// How long a request may wait for a slot before it is shed (at least
  /// 1 ms when max_waiting > 0).
  std::chrono::milliseconds queue_timeout{1000};
};

/// A concurrency-limit layer (above); throws std::invalid_argument for
/// max_in_flight 0, or a queue with a queue_timeout below 1 ms. With a
/// queue, it has a timer thread of its own, which ends when the last copy
/// of the layer and the last request it admitted go.
layer concurrency_limit(concurrency_limit_options options);

} // namespace ringactor::service
