// ringactor service: the configuration keys of ringactor-server, the
// runtime's keys (telemetry::runtime_schema) plus [http]:
//
//   [http]
//   address = "127.0.0.1"      # loopback unless told otherwise
//   port = 8080                # 0: any free port
//   threads = 1                # network threads (never the scheduler's workers)
//   max_connections = 1024
//   max_header_bytes = 8192
//   max_body_bytes = 1048576
//   read_timeout = "10s"      # default of the three below (0), and each write's bound
//   header_timeout = "0s"      # request line and headers, from the first byte (else 408)
//   body_timeout = "0s"        # the body, from the end of the headers (else 408)
//   idle_timeout = "0s"        # a keep-alive connection without a request closes
//   tls_cert_file = ""         # PEM; with tls_key_file: HTTPS only (TLS >= 1.2)
//   tls_key_file = ""
//   tls_ca_file = ""           # set: clients must present a certificate it signed
//   shutdown_grace = "5s"
//   request_timeout = "0s"     # 504 timeout past it (0: no limit)
//   access_log = false         # one info line per request
//   sse_heartbeat = "15s"      # a comment line on a quiet event stream
//   stream_send_buffer = 0     # SO_SNDBUF of an event stream or WebSocket (0: the system's)
//   ws_max_queued = 4096       # unsent messages of a WebSocket connection
//
// and the middleware layers ringactor-server installs (middleware.hpp):
//
//   [limits]
//   max_concurrent = 0         # 503 shedding past it (0: no limit)
//   queue = 0                  # requests that wait (FIFO) for a slot first (0: none)
//   queue_timeout = "1s"       # then 503 shedding
//   retry_after = "1s"
//   [rate_limit]
//   rate = 0.0                 # per client key, per second (0: none)
//   burst = 0.0
//   key = "client"             # client | bearer | header:<name>
//   global_rate = 0.0
//   global_burst = 0.0
//   max_keys = 10000
//   [auth]
//   tokens = ""                # "TOKEN, TOKEN:/kernels|/execute"
//   tokens_env = ""            # a variable with more tokens
//   open_paths = "/health,/metrics"
//   [cors]
//   origins = ""               # "https://app.example, ..." or "*"
//   max_age = "10min"
//
//   [routes.slow]              # one table per route prefix: its own layers, in
//   prefix = "/kernels/slow"   # addition to the server's, on the paths under it
//   request_timeout = "0s"     # 504 timeout past it (0: the server's only)
//   max_concurrent = 0         # then queue, queue_timeout as in [limits]
//   queue = 0
//   queue_timeout = "1s"
//   rate = 0.0                 # per client key ([rate_limit] key, max_keys)
//   burst = 0.0
//   global_rate = 0.0
//   global_burst = 0.0
//
//   [pools.NAME]               # the runtime's pool keys, and (pool_backend.hpp):
//   backend = "cpu"            # a kernel pool's own: cpu | cuda | automatic (default:
//                              # kernel.backend); an error on a host-actor pool
//
//   [grpc]                     # the gRPC front (grpc_front.hpp)
//   enabled = false
//   address = "127.0.0.1"
//   port = 50051               # 0: any free port
//   max_message_bytes = 4194304
//   tls_cert_file = ""         # PEM files; both set: TLS
//   tls_key_file = ""
//   health_interval = "100ms"  # how often health reads readiness
//
//   [topics.totals]            # one table per topic (topics.hpp)
//   buffer = 256               # events kept for Last-Event-ID resume
//   subscriber_buffer = 64     # unwritten events per subscriber, then overflow
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <ringactor/expected.hpp>
#include <ringactor/telemetry/config.hpp>
#include <ringactor/telemetry/config_schema.hpp>
#include <ringactor/topic.hpp>

#include "ringactor/service/http_server.hpp"
#include "ringactor/service/topic_routes.hpp"
#include "ringactor/service/ws_routes.hpp"

namespace ringactor::service {

/// The runtime's keys, the [http] keys and the [topics.*] keys above, with
/// system.idle_yield on by default (the network threads share the cores).
telemetry::config_schema server_schema();

/// Declares the [http] keys and the layers' keys in `schema` (for an
/// application that builds its own schema).
void declare_http_keys(telemetry::config_schema& schema);

/// Declares the layers' keys only ([limits], [rate_limit], [auth], [cors],
/// [routes.*], http.request_timeout, http.access_log); declare_http_keys
/// does it too.
void declare_layer_keys(telemetry::config_schema& schema);

/// Declares the [routes.*] keys only; declare_layer_keys does it too.
void declare_route_keys(telemetry::config_schema& schema);
//
/// Declares the [grpc] keys above (served by ringactor-grpc; a server built
/// without it refuses grpc.enabled = true).
void declare_grpc_keys(telemetry::config_schema& schema);

/// The layers the configuration turns on, in use_configured_layers' order
/// (and with its errors), for the HTTP server and the gRPC front to share.
expected<std::vector<layer>> configured_layers(const telemetry::config& cfg);

/// Adds the layers the configuration turns on to `server` (use()), in
/// this order: access log, CORS, rate limit, bearer auth, concurrency
/// limit, request timeout. An error (a malformed token list, an unset
/// auth.tokens_env variable) says which key; nothing is added then.
expected<void> use_configured_layers(http_server& server, const telemetry::config& cfg);

/// Declares the [topics.*] keys in `schema`.
void declare_topic_keys(telemetry::config_schema& schema);

/// The server options a loaded configuration sets.
server_options server_options_from(const telemetry::config& cfg);

/// The options of the topic routes (http.sse_heartbeat).
topic_route_options topic_route_options_from(const telemetry::config& cfg);

/// The options of GET /ws (http.ws_max_queued).
ws_options ws_options_from(const telemetry::config& cfg);

/// Each [topics.NAME] table's name and options, by name.
std::vector<std::pair<std::string, topic_options>> topic_specs_from(const telemetry::config& cfg);

} // namespace ringactor::service
