// ringactor service: the concurrency-limit layer with load shedding. At
// most `max_in_flight` requests are past it (in the layers after it and the
// handler) at once; one more is shed at once with 503 {"error":"shedding"}
// and Retry-After, instead of queueing behind work it would only delay.
#pragma once

#include <chrono>
#include <cstddef>

#include "ringactor/service/middleware.hpp"

namespace ringactor::service {

struct concurrency_limit_options {
  std::size_t max_in_flight = 64; ///< at least 1
  std::chrono::seconds retry_after{1};
};

/// A concurrency-limit layer (above); throws std::invalid_argument for
/// max_in_flight 0.
layer concurrency_limit(concurrency_limit_options options);

} // namespace ringactor::service
