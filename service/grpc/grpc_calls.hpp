// ringactor service, gRPC front: what every call shares. A call becomes an
// http_request for the middleware layers (the same layer objects as the
// HTTP front's), a layer's or the error table's HTTP answer becomes a gRPC
// status, and a call's deadline becomes the request's timeout.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include <ringactor/actor_system.hpp>
#include <ringactor/supervision/pool_stats.hpp>

#include "ringactor/service/cancellation.hpp"
#include "ringactor/service/grpc_front.hpp"
#include "ringactor/service/middleware.hpp"
#include "ringactor/service/registry.hpp"
#include "ringactor/v1/kernels.grpc.pb.h"

#include "../pool_stats_query.hpp"

namespace ringactor::service::detail {

/// The front's state, shared by its service and every call.
struct front_state {
  front_state(actor_system& s, const registry& r, grpc_options o,
              std::shared_ptr<const std::vector<layer>> l)
    : sys(s), reg(r), options(std::move(o)), layers(std::move(l)) {}

  actor_system& sys;
  const registry& reg;
  grpc_options options;
  std::shared_ptr<const std::vector<layer>> layers; // never null
  // Set once by begin_drain (release), read by every new call (acquire):
  // a call that sees it is refused UNAVAILABLE.
  std::atomic<bool> draining{false};
  std::atomic<std::uint64_t> next_request{1}; // relaxed: ids need only be unique
  // Execute calls and ExecuteStream streams not finished yet: a reactor's
  // constructor adds one, the thread that finishes it takes it away after
  // Finish (release); stop() reads it (acquire) to let them finish before
  // it shuts the server down and deletes it.
  std::atomic<std::size_t> calls{0};
};

/// A failed call as an HTTP answer says it: the gRPC code, the message
/// ("code: text"), and the field path of an input error (else empty).
struct call_error {
  grpc::StatusCode code = grpc::StatusCode::INTERNAL;
  std::string message;
  std::string field;

  grpc::Status status() const { return {code, message}; }
};

/// The gRPC code of an HTTP answer (401 UNAUTHENTICATED, 403
/// PERMISSION_DENIED, 404 NOT_FOUND, 413 and 429 RESOURCE_EXHAUSTED, 400
/// INVALID_ARGUMENT, 503 UNAVAILABLE or CANCELLED, 504 DEADLINE_EXCEEDED,
/// 502 ABORTED, 422 FAILED_PRECONDITION, 500 INTERNAL), with the message
/// and field of its JSON error body.
call_error error_of(const http_response& res);

/// The error of a call's outcome (REST's error_response table, then error_of).
call_error error_of(const error& err);

/// The request the layers see for a call of `path` ("/ringactor.v1.Kernels/Execute").
std::shared_ptr<http_request> request_of(const grpc::CallbackServerContext& ctx, std::string path,
                                         std::shared_ptr<cancellation> cancel);

/// Runs `handler` behind the front's layers for `request`; `answered` gets
/// the one answer (the handler's, a layer's, or 500 no_answer), on the
/// thread that gives it.
void behind_layers(const front_state& st, std::shared_ptr<const http_request> request,
                   chain_end handler, std::function<void(http_response)> answered);

/// The timeout a deadline leaves (cut to options.max_timeout; the default
/// timeout for none), or nullopt when it passed or leaves under 1 ms.
std::optional<std::chrono::milliseconds> timeout_of(const front_state& st,
                                                    std::chrono::system_clock::time_point deadline);

/// Runs `in` in its kernel; `done` gets the reply (request and kernel id,
/// metadata, output) and, when it failed, the error (on an actor's
/// thread, or at once for input that does not decode).
void execute(const std::shared_ptr<front_state>& st, const v1::ExecuteRequest& in,
             std::chrono::milliseconds timeout, std::shared_ptr<cancellation> cancel,
             std::function<void(v1::ExecuteReply, std::optional<error>)> done);

/// Why a call ended: the deadline passed (timeout) or the client went.
cancel_reason reason_of_cancel(const grpc::CallbackServerContext& ctx);

// gather_stats (asking pools for their statistics): ../pool_stats_query.hpp,
// shared with the REST routes.

/// A service's description with its pool's statistics (per worker when
/// `workers`).
void describe(const service_entry& s, const expected<supervision::pool_stats>& stats, bool workers,
              v1::KernelInfo& out);

// -- the streaming calls (execute_stream.cpp, subscribe.cpp) ------------------------

/// ExecuteStream and Subscribe are raw methods: their reactors parse and
/// serialize the messages themselves (kernels_service.hpp says why).
grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>*
start_execute_stream(std::shared_ptr<front_state> st, grpc::CallbackServerContext* ctx);

/// `req` does not parse: the call ends INVALID_ARGUMENT saying so.
grpc::ServerWriteReactor<grpc::ByteBuffer>* start_subscribe(std::shared_ptr<front_state> st,
                                                            grpc::CallbackServerContext* ctx,
                                                            const grpc::ByteBuffer* req);

/// Parses `bytes` (left as they are) into `out`; an INVALID_ARGUMENT status
/// naming `type` when they are no such message.
grpc::Status parse_request(const grpc::ByteBuffer& bytes, google::protobuf::Message& out,
                           std::string_view type);

} // namespace ringactor::service::detail
