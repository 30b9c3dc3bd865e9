// ringactor service: GET /ws, one WebSocket connection that multiplexes topic
// subscriptions and calls to the registry's services. Every message is a JSON
// object with an "id" (a string or an integer, chosen by the client) that the
// answers carry:
//
//   -> {"id":"s1","op":"subscribe","topic":"totals","last_event_id"?:N}
//   <- {"id":"s1","ok":true}
//   <- {"id":"s1","event":{"id":3,"type":"adder.total","data":{"total":5,"added":5}}}
//   <- {"id":"s1","gap":{"missed":12,"first_id":20}}     (a resume past the ring)
//   -> {"id":"s1","op":"unsubscribe"}
//   <- {"id":"s1","ok":true}
//   -> {"id":7,"op":"execute","kernel_id":"adder","message":"adder.add",
//       "input":{"a":1,"b":2},"timeout_ms"?:500}
//   <- {"id":7,"output":3,"metadata":{"duration_us":41}}
//   <- {"id":7,"status":404,"error":{"error":"unknown_kernel","message":"..."}}
//
// Answers come as they are ready, not in request order. An error has the
// status and body the REST routes would answer (rest_routes.hpp); a message
// that is no JSON object, has no id, or an unknown op gets status 400
// (bad_request; "id" is null when it could not be read); a subscription id in
// use 409, an unknown topic 404, more than max_in_flight calls 429. The
// connection stays open after an error. A client that reads slower than its
// subscriptions publish fills the connection's queue (max_queued messages)
// and is closed (policy error).
#pragma once

#include <chrono>
#include <cstddef>

#include <ringactor/actor_system.hpp>

#include "ringactor/service/http_server.hpp"
#include "ringactor/service/registry.hpp"

namespace ringactor::service {

struct ws_options {
  /// The deadline of an execute without timeout_ms.
  std::chrono::milliseconds default_timeout{5'000};
  /// The largest timeout_ms accepted.
  std::chrono::milliseconds max_timeout{60'000};
  /// Calls of one connection in flight at most.
  std::size_t max_in_flight = 256;
  /// Unsent messages of one connection at most.
  std::size_t max_queued = 4096;
};

/// Adds GET /ws. `sys` (with its topics) and `reg` must outlive the server.
void add_websocket_routes(http_server& server, actor_system& sys, const registry& reg,
                          ws_options options = {});

} // namespace ringactor::service
