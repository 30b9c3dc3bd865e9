// ringactor service: the gRPC front of a server (issue 22). It serves
// ringactor.v1.Kernels (service/proto/ringactor/v1/kernels.proto) over a
// service registry, the standard grpc.health.v1.Health (one status per
// kernel id, "ringactor.v1.Kernels" and "" for the server, driven by the
// actor system's readiness) and server reflection, on grpc++'s own threads
// (never the actor scheduler's workers):
//
//   service::grpc_front front{sys, reg, {.address = "127.0.0.1", .port = 0}, layers};
//   if (auto r = front.start(); !r)
//     fmt::print(stderr, "{}\n", to_string(r.error()));
//   fmt::print("gRPC on port {}\n", front.port());
//   ...
//   front.begin_drain(); // health NOT_SERVING, new calls UNAVAILABLE
//   front.stop();        // calls in flight get shutdown_grace, then CANCELLED
//
// Every call passes the same middleware layers as the HTTP front's requests
// (middleware.hpp): the layers see an http_request whose path is the gRPC
// method ("/ringactor.v1.Kernels/Execute"), whose headers are the call's
// metadata (authorization, traceparent, x-request-id) and whose cancel
// fires when the client cancels or its deadline passes; a layer's HTTP
// answer becomes a gRPC status (401 UNAUTHENTICATED, 403 PERMISSION_DENIED,
// 429 and 413 RESOURCE_EXHAUSTED, 503 UNAVAILABLE, 504 DEADLINE_EXCEEDED).
// A call's error maps through the REST routes' table (error_response) to
// the same codes.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <ringactor/actor_system.hpp>
#include <ringactor/expected.hpp>
#include <ringactor/telemetry/config.hpp>

#include "ringactor/service/middleware.hpp"
#include "ringactor/service/registry.hpp"
#include "ringactor/service/server_app.hpp"

namespace ringactor::service {

/// How the gRPC front listens and what it accepts.
struct grpc_options {
  std::string address = "127.0.0.1"; ///< loopback unless told otherwise
  std::uint16_t port = 50051;        ///< 0: any free port (see grpc_front::port)
  /// The largest message received or sent, in bytes (larger:
  /// RESOURCE_EXHAUSTED).
  std::size_t max_message_bytes = 4 << 20;
  /// PEM files of the server's certificate chain and private key: both set
  /// turns TLS on, both empty leaves the port plaintext.
  std::string tls_cert_file;
  std::string tls_key_file;
  /// How often the health service reads the system's readiness.
  std::chrono::milliseconds health_interval{100};
  /// How long stop() lets calls in flight finish.
  std::chrono::milliseconds shutdown_grace{5'000};
  /// The timeout of a call without a deadline, and the longest one (a
  /// longer deadline is cut to it).
  std::chrono::milliseconds default_timeout{5'000};
  std::chrono::milliseconds max_timeout{60'000};
  /// How long ListKernels and GetKernel wait for a pool's statistics.
  std::chrono::milliseconds stats_timeout{1'000};
  /// Requests of one ExecuteStream in the pools at once; the stream reads
  /// no more until replies went out.
  std::size_t stream_max_in_flight = 256;
};

class grpc_front : public server_front {
public:
  /// Serves `reg`'s services of `sys` (both must outlive the front) behind
  /// `layers` (may be null: none).
  grpc_front(actor_system& sys, const registry& reg, grpc_options options,
             std::shared_ptr<const std::vector<layer>> layers);
  ~grpc_front() override; ///< stop()s
  grpc_front(const grpc_front&) = delete;
  grpc_front& operator=(const grpc_front&) = delete;

  /// Binds and starts serving. An error (a port in use, an address that
  /// does not bind, a TLS file that does not read) leaves it stopped.
  expected<void> start() override;

  /// "grpc://ADDRESS:PORT" (the bound port; grpcs:// with TLS).
  std::string url() const override;

  /// The bound port (the one picked when options.port was 0); 0 before start().
  std::uint16_t port() const noexcept;

  /// Health turns NOT_SERVING for every service (Watch sees it) and new
  /// calls get UNAVAILABLE "draining". Idempotent.
  void begin_drain() override;

  /// begin_drain(), then waits up to shutdown_grace for calls in flight,
  /// cancels those left and stops the threads. Idempotent.
  void stop() override;

  struct impl;

private:
  std::shared_ptr<impl> impl_;
};

/// The options a loaded configuration sets: the [grpc] keys
/// (server_schema.hpp), and http.shutdown_grace.
grpc_options grpc_options_from(const telemetry::config& cfg);

/// The front serve() starts when grpc.enabled is true (server_app.hpp).
front_factory grpc_front_factory();

} // namespace ringactor::service
