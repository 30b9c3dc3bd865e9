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

#include "ringactor/service/http_server.hpp"
#include "ringactor/service/topic.hpp"
#include "ringactor/service/topic_routes.hpp"
#include "ringactor/service/ws_routes.hpp"

namespace ringactor::service {

/// The runtime's keys, the [http] keys and the [topics.*] keys above.
telemetry::config_schema server_schema();

/// Declares the [http] keys and the layers' keys in `schema` (for an
/// application that builds its own schema).
void declare_http_keys(telemetry::config_schema& schema);

/// Declares the layers' keys only ([limits], [rate_limit], [auth], [cors],
/// http.request_timeout, http.access_log); declare_http_keys does it too.
void declare_layer_keys(telemetry::config_schema& schema);

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
