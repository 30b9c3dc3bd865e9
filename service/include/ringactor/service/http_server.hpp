// ringactor service: an HTTP/1.1 server on its own network threads (Boost.Beast
// and Asio; never the actor scheduler's workers), with routes by method and
// path pattern, synchronous or asynchronous handlers, bounded requests and a
// graceful stop.
//
//   service::http_server server{{.address = "127.0.0.1", .port = 0}};
//   server.route("GET", "/hello", [](const service::http_request&) {
//     return service::http_response::json(200, R"({"hello":"world"})");
//   });
//   if (auto r = server.start(); !r)
//     fmt::print(stderr, "{}\n", to_string(r.error()));
//   fmt::print("listening on port {}\n", server.port());
//   ...
//   server.stop(); // no new connections; requests in flight get their answer
//
// Bad input never reaches a handler: a malformed request is answered 400, a
// header block past max_header_bytes 431, a body past max_body_bytes 413, a
// request whose header (or body) does not arrive within header_timeout (or
// body_timeout) is cut off with 408, an idle keep-alive connection closes
// after idle_timeout, and a connection past max_connections gets 503 and is
// closed. With tls_cert_file and tls_key_file the same is served over TLS.
// Every error body is JSON: {"error": code, "message": text}.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <ringactor/expected.hpp>

#include "ringactor/service/event_stream.hpp"
#include "ringactor/service/http_message.hpp"
#include "ringactor/service/middleware.hpp"
#include "ringactor/service/responder.hpp"
#include "ringactor/service/ws_channel.hpp"

namespace ringactor::service {

/// A synchronous route: answers on the network thread, so it must not block.
using route_handler = std::function<http_response(const http_request&)>;
/// An asynchronous route: hands the work on and answers later, from any
/// thread, through the responder (responder.hpp).
using async_route_handler = std::function<void(const http_request&, responder)>;

/// How the server listens and what it accepts.
struct server_options {
  std::string address = "127.0.0.1"; ///< loopback unless told otherwise
  std::uint16_t port = 8080;         ///< 0: any free port (see http_server::port)
  std::size_t threads = 1;           ///< network threads
  std::size_t max_header_bytes = 8 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
  /// The default of header_timeout, body_timeout and idle_timeout (those
  /// left 0), and the bound of each write of an answer (a client that stops
  /// reading is cut off after it).
  std::chrono::milliseconds read_timeout{10'000};
  /// The request line and header fields must arrive within this time from
  /// the request's first byte (the first request of a connection: from its
  /// accept, the TLS handshake included); else 408, or a silent close when
  /// nothing came. 0: read_timeout.
  std::chrono::milliseconds header_timeout{0};
  /// The body must arrive within this time from the end of the header;
  /// else 408. 0: read_timeout.
  std::chrono::milliseconds body_timeout{0};
  /// A keep-alive connection that sends no next request for this long is
  /// closed, without an answer. 0: read_timeout.
  std::chrono::milliseconds idle_timeout{0};
  /// PEM files of the server's certificate (chain) and its private key:
  /// with both, the server speaks HTTPS only (TLS 1.2 at least); with
  /// neither, plain HTTP. One without the other, or a file that does not
  /// load or a key that does not match, makes start() fail naming it.
  std::string tls_cert_file{};
  std::string tls_key_file{};
  /// PEM file of the CAs that sign client certificates: set (with the two
  /// above), every client must present a certificate they signed (mutual
  /// TLS); a client without one fails the handshake.
  std::string tls_ca_file{};
  std::size_t max_connections = 1024;
  /// How long stop() waits for requests in flight before closing them.
  std::chrono::milliseconds shutdown_grace{5'000};
  /// SO_SNDBUF of a connection that streams (route_stream, route_websocket), in bytes; 0:
  /// the system's (which grows to megabytes). It bounds what a client that
  /// stopped reading holds in the kernel, and so how soon its stream stalls.
  std::size_t stream_send_buffer = 0;
};

class http_server {
public:
  explicit http_server(server_options options);
  ~http_server(); ///< stop()s
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// Serves `method` on `pattern`: an exact path ("/health") or one with
  /// parameters, each a whole segment ("/kernels/{id}/{message}"; the
  /// handler finds them in http_request::params). Call before start(). An
  /// exact path wins over a pattern, a pattern with fewer parameters over
  /// one with more. A path with another method answers 405 with an Allow
  /// header; an unknown path 404. Handlers run on the network threads:
  /// they must not block.
  void route(std::string method, std::string pattern, route_handler handler);

  /// Like route(), for a handler that answers later through its responder
  /// (from any thread: an actor's callback). The network thread never
  /// waits for it; stop() waits up to shutdown_grace for the answer, then
  /// answers 503 "shutting_down".
  void route_async(std::string method, std::string pattern, async_route_handler handler);

  /// route() and route_async() with layers of this route only
  /// (middleware.hpp): they run after the server's, before `handler`.
  void route(std::string method, std::string pattern, route_handler handler,
             std::vector<layer> layers);
  void route_async(std::string method, std::string pattern, async_route_handler handler,
                   std::vector<layer> layers);

  /// Adds a layer every request passes (middleware.hpp), after those added
  /// before. Call before start().
  void use(layer l);

  /// Like route(), for a handler that answers with a stream (event_stream.hpp):
  /// the head, then the body as the application produces it, until either
  /// side closes. stop() ends open streams at once (after the piece being
  /// written, within shutdown_grace).
  void route_stream(std::string method, std::string pattern, stream_route_handler handler);

  /// Serves WebSocket connections on GET `pattern` (ws_channel.hpp): text
  /// messages both ways after the upgrade. stop() closes them.
  void route_websocket(std::string pattern, ws_route_handler handler);

  /// Binds and starts the network threads. An error (invalid_argument for
  /// an address that is no IP address, runtime_error for a port in use)
  /// leaves the server stopped.
  expected<void> start();

  /// The bound port (the one picked when options.port was 0); 0 before start().
  std::uint16_t port() const noexcept;

  /// Connections open now.
  std::size_t connections() const noexcept;

  /// True if the server speaks TLS (options.tls_cert_file was set).
  bool tls() const noexcept;

  /// TLS handshakes that failed so far (a plain-HTTP client on the TLS port,
  /// garbage, a missing or refused client certificate, a handshake past
  /// header_timeout); each such connection was closed, and each is logged.
  std::uint64_t tls_handshake_failures() const noexcept;

  /// Stops accepting, answers the requests in flight (each with
  /// "Connection: close"), closes idle connections at once, waits up to
  /// shutdown_grace for the others, then closes them and joins the threads.
  /// Idempotent.
  void stop();

  /// The server's state (http_server.cpp); its connections share it.
  struct impl;

private:
  std::shared_ptr<impl> impl_;
};

} // namespace ringactor::service
