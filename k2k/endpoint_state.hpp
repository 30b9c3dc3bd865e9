// ringactor k2k (internal): what a broker keeps of one registered endpoint.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>

#include "endpoint_queue.hpp"
#include "ringactor/actor.hpp"

namespace ringactor::k2k::detail {

struct endpoint_state {
  endpoint_state(std::string id, actor hdl, std::size_t in_flight_limit, std::uint64_t gen,
                 std::size_t capacity)
    : kernel_id(std::move(id)),
      handle(std::move(hdl)),
      max_in_flight(in_flight_limit),
      generation(gen),
      queue(capacity) {}

  std::string kernel_id;
  actor handle;
  std::size_t max_in_flight;
  /// Tells this registration from an earlier one under the same kernel id.
  std::uint64_t generation;
  endpoint_queue queue;
  std::size_t in_flight = 0;
  std::uint64_t delivered = 0;
  std::uint64_t forwarded = 0;
};

/// A broker's endpoints by kernel id.
using endpoint_map = std::unordered_map<std::string, endpoint_state>;

} // namespace ringactor::k2k::detail
