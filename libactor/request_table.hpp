// ringactor (private): the requests of an event-based actor that wait for a
// response, shared by scheduled_actor.cpp and scheduled_actor_timers.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <unordered_map>

#include "ringactor/scheduled_actor.hpp"

namespace ringactor {

// Request timeouts: one timer per actor is armed for the earliest deadline
// of its pending requests; when it fires, every request due (within the
// slack) fails with request_timeout and the timer is armed for the next.
// This keeps the timer queue at O(actors) entries instead of O(requests).
struct scheduled_actor::request_table {
  std::unordered_map<uint64_t, pending_response> pending;
  uint32_t awaited = 0;
  clock::time_point armed = clock::time_point::max();
};

} // namespace ringactor
