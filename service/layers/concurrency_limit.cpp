// ringactor service: the concurrency limit with load shedding
// (layers/concurrency_limit.hpp).
#include "ringactor/service/layers/concurrency_limit.hpp"

#include <atomic>
#include <stdexcept>

#include <fmt/format.h>

namespace ringactor::service {

layer concurrency_limit(concurrency_limit_options options) {
  if (options.max_in_flight == 0)
    throw std::invalid_argument{"limits.max_concurrent: expected at least 1, found 0"};
  // Requests past the layer now. The increment that admits a request (or
  // finds the limit) pairs with the decrement of its answer; relaxed
  // suffices: the count guards nothing but itself.
  auto in_flight = std::make_shared<std::atomic<std::size_t>>(0);
  return [in_flight, options](const http_request&, responder answer, next_layer next) {
    if (in_flight->fetch_add(1, std::memory_order_relaxed) >= options.max_in_flight) {
      in_flight->fetch_sub(1, std::memory_order_relaxed);
      auto res = http_response::error(
        503, "shedding",
        fmt::format("the server serves {} requests at once, its limit; retry in {}s",
                    options.max_in_flight, options.retry_after.count()));
      res.headers.emplace_back("Retry-After", std::to_string(options.retry_after.count()));
      answer(std::move(res));
      return;
    }
    next(wrap(std::move(answer),
              [in_flight](http_response&) { in_flight->fetch_sub(1, std::memory_order_relaxed); }));
  };
}

} // namespace ringactor::service
