// ringactor service: the REST routes over a service registry (registry.hpp):
//
//   GET  /kernels                  every service: id, backend, device, its
//                                  messages (input and output types with
//                                  their fields), and its pool's size, live
//                                  workers, in-flight and queued requests
//   GET  /kernels/{id}             one service, with its pool's statistics
//                                  and each worker's
//   POST /execute                  {"kernel_id", "message", "input",
//                                  "timeout_ms"?} -> {"request_id",
//                                  "kernel_id", "output", "metadata":
//                                  {"duration_us", "backend", "device"?}}
//   POST /kernels/{id}/{message}   the same with the input as the body
//
// Every call is made by an actor; the network threads never wait. Errors
// carry {"error": code, "message", "field"?} with the status:
//   400 invalid_input      the body or input does not decode ("field": the
//                          wire error's field path, e.g. "add.a")
//   404 unknown_kernel, unknown_message
//   502 worker_failed      the pool's worker died with the request
//   503 pool_unavailable   no live worker (or the actor is gone)
//   504 timeout            no reply within timeout_ms
//   422 rejected           the actor answered with an error of its own
//   500 internal           a bug (the handler failed)
// A request that timed out is not cancelled in the pool: the worker still
// finishes it (or the pool's worker_timeout ends it), and only then does
// the pool's in-flight count go down.
#pragma once

#include <chrono>
#include <string>

#include <ringactor/actor_system.hpp>
#include <ringactor/error.hpp>

#include "ringactor/service/http_server.hpp"
#include "ringactor/service/registry.hpp"

namespace ringactor::service {

struct rest_options {
  /// The deadline of an execute request without timeout_ms.
  std::chrono::milliseconds default_timeout{5'000};
  /// The largest timeout_ms accepted (a larger one is invalid_input).
  std::chrono::milliseconds max_timeout{60'000};
  /// How long GET /kernels waits for each pool's statistics.
  std::chrono::milliseconds stats_timeout{1'000};
};

/// The response an error of a call maps to (the table above).
http_response error_response(const error& err);

/// Adds the routes above. `sys` and `reg` must outlive the server's
/// threads, and every answer in flight (stop() the server first).
void add_rest_routes(http_server& server, actor_system& sys, const registry& reg,
                     rest_options options = {});

} // namespace ringactor::service
