// ringactor service: the [http] configuration keys (server_schema.hpp).
#include "ringactor/service/server_schema.hpp"

#include <chrono>
#include <cstdint>
#include <string>

#include <ringactor/telemetry/runtime_schema.hpp>

#include "ringactor/service/pool_backend.hpp"

namespace ringactor::service {

namespace {

using telemetry::duration;
using telemetry::value_range;

} // namespace

void declare_http_keys(telemetry::config_schema& s) {
  server_options d;
  s.declare<std::string>("http.address", d.address,
                         "IP address to listen on (loopback unless told otherwise)");
  s.declare<std::int64_t>("http.port", d.port, "TCP port (0: any free port)",
                          value_range<std::int64_t>{0, 65535});
  s.declare<std::int64_t>("http.threads", static_cast<std::int64_t>(d.threads),
                          "network threads (never the actor scheduler's workers)",
                          value_range<std::int64_t>{1, 256});
  s.declare<std::int64_t>("http.max_connections", static_cast<std::int64_t>(d.max_connections),
                          "open connections at most; one more gets 503 and is closed",
                          value_range<std::int64_t>{1, 1'000'000});
  s.declare<std::int64_t>("http.max_header_bytes", static_cast<std::int64_t>(d.max_header_bytes),
                          "a request's header block at most (else 431)",
                          value_range<std::int64_t>{256, 1 << 20});
  s.declare<std::int64_t>("http.max_body_bytes", static_cast<std::int64_t>(d.max_body_bytes),
                          "a request's body at most (else 413)",
                          value_range<std::int64_t>{0, std::int64_t{1} << 32});
  s.declare<duration>("http.read_timeout", duration{d.read_timeout},
                      "the default of header_timeout, body_timeout and idle_timeout (those "
                      "left 0), and the bound of each write of an answer",
                      value_range<duration>{std::chrono::milliseconds{1}, {}});
  s.declare<duration>("http.header_timeout", duration{d.header_timeout},
                      "the request line and headers must arrive within this time from the "
                      "request's first byte (the first request: from the accept, TLS handshake "
                      "included), else 408 and close (0: read_timeout)",
                      value_range<duration>{duration{0}, {}});
  s.declare<duration>("http.body_timeout", duration{d.body_timeout},
                      "the body must arrive within this time from the end of the headers, else "
                      "408 and close (0: read_timeout)",
                      value_range<duration>{duration{0}, {}});
  s.declare<duration>("http.idle_timeout", duration{d.idle_timeout},
                      "a keep-alive connection without a next request closes after this time, "
                      "without an answer (0: read_timeout)",
                      value_range<duration>{duration{0}, {}});
  s.declare<std::string>("http.tls_cert_file", d.tls_cert_file,
                         "PEM certificate (chain): with http.tls_key_file the server speaks "
                         "HTTPS only, TLS 1.2 at least (both or neither)");
  s.declare<std::string>("http.tls_key_file", d.tls_key_file,
                         "PEM private key of http.tls_cert_file");
  s.declare<std::string>("http.tls_ca_file", d.tls_ca_file,
                         "PEM CA certificates: set, every client must present a certificate "
                         "they signed (mutual TLS)");
  s.declare<duration>("http.shutdown_grace", duration{d.shutdown_grace},
                      "on SIGTERM, how long requests in flight may take",
                      value_range<duration>{duration{0}, {}});
  s.declare<std::int64_t>("http.stream_send_buffer",
                          static_cast<std::int64_t>(d.stream_send_buffer),
                          "socket send buffer of an event stream in bytes (0: the system's)",
                          value_range<std::int64_t>{0, 64 << 20});
  s.declare<std::int64_t>("http.ws_max_queued", static_cast<std::int64_t>(ws_options{}.max_queued),
                          "unsent messages of a WebSocket connection at most; one more closes it",
                          value_range<std::int64_t>{1, 1 << 20});
  s.declare<duration>("http.sse_heartbeat", duration{topic_route_options{}.heartbeat},
                      "an event stream writes a comment line after this long without events",
                      value_range<duration>{std::chrono::milliseconds{10}, {}});
  declare_layer_keys(s);
}

void declare_layer_keys(telemetry::config_schema& s) {
  s.declare<duration>("http.request_timeout", duration{0},
                      "a request not answered within this time gets 504 timeout and is "
                      "cancelled (0: no limit)",
                      value_range<duration>{duration{0}, {}});
  s.declare<bool>("http.access_log", false,
                  "one log line per request (at info level: system.log_level = \"info\")");
  s.declare<std::int64_t>("limits.max_concurrent", 0,
                          "requests in handlers at once at most; more get 503 shedding (0: no "
                          "limit)",
                          value_range<std::int64_t>{0, 1'000'000});
  s.declare<duration>("limits.retry_after", duration{std::chrono::seconds{1}},
                      "the Retry-After of a shed request (whole seconds)",
                      value_range<duration>{duration{std::chrono::seconds{1}}, {}});
  s.declare<std::int64_t>("limits.queue", 0,
                          "requests that may wait (FIFO) for a slot past max_concurrent before "
                          "one more is shed (0: none)",
                          value_range<std::int64_t>{0, 1'000'000});
  s.declare<duration>("limits.queue_timeout", duration{std::chrono::seconds{1}},
                      "how long a request may wait for a slot, then 503 shedding",
                      value_range<duration>{duration{std::chrono::milliseconds{1}}, {}});
  s.declare<double>("rate_limit.rate", 0.0,
                    "requests per second per client key (0: no per-key limit)",
                    value_range<double>{0.0, {}});
  s.declare<double>("rate_limit.burst", 0.0,
                    "requests a client key may make at once (0: the rate, at least 1)",
                    value_range<double>{0.0, {}});
  s.declare<std::string>("rate_limit.key", "client",
                         "a client key: client (its address), bearer (its token) or "
                         "header:<name> (e.g. header:X-Api-Key)")
    .rule = [](const telemetry::config_value& v) -> std::string {
    auto& k = std::get<std::string>(v);
    if (k == "client" || k == "bearer" || (k.starts_with("header:") && k.size() > 7))
      return {};
    return "client, bearer or header:<name>";
  };
  s.declare<double>("rate_limit.global_rate", 0.0,
                    "requests per second of all clients together (0: no global limit)",
                    value_range<double>{0.0, {}});
  s.declare<double>("rate_limit.global_burst", 0.0,
                    "requests all clients may make at once (0: the global rate, at least 1)",
                    value_range<double>{0.0, {}});
  s.declare<std::int64_t>("rate_limit.max_keys", 10'000,
                          "client keys tracked at most (the one used longest ago goes first)",
                          value_range<std::int64_t>{1, 10'000'000});
  s.declare<std::string>("auth.tokens", "",
                         "bearer tokens, comma-separated: TOKEN (every path) or "
                         "TOKEN:/prefix|/other (those paths); any token turns auth on");
  s.declare<std::string>("auth.tokens_env", "",
                         "an environment variable that holds more tokens (same form); it must "
                         "be set when named");
  s.declare<std::string>("auth.open_paths", "/health,/metrics",
                         "comma-separated path prefixes that need no token (probes)");
  s.declare<std::string>("cors.origins", "",
                         "comma-separated allowed origins, or * (empty: no CORS headers)");
  s.declare<duration>("cors.max_age", duration{std::chrono::minutes{10}},
                      "how long a browser may cache a preflight's answer (whole seconds)",
                      value_range<duration>{duration{0}, {}});
  declare_route_keys(s);
}

void declare_topic_keys(telemetry::config_schema& s) {
  topic_options d;
  s.declare<std::int64_t>("topics.*.buffer", static_cast<std::int64_t>(d.buffer),
                          "events the topic keeps for resume (Last-Event-ID)",
                          value_range<std::int64_t>{1, 1 << 20});
  s.declare<std::int64_t>("topics.*.subscriber_buffer",
                          static_cast<std::int64_t>(d.subscriber_buffer),
                          "events a subscriber may have unwritten before it is cut off with an "
                          "overflow event",
                          value_range<std::int64_t>{1, 1 << 20});
}

void declare_grpc_keys(telemetry::config_schema& s) {
  s.declare<bool>("grpc.enabled", false, "serve gRPC (ringactor.v1.Kernels, health, reflection)");
  s.declare<std::string>("grpc.address", "127.0.0.1",
                         "IP address gRPC listens on (loopback unless told otherwise)");
  s.declare<std::int64_t>("grpc.port", 50051, "gRPC's TCP port (0: any free port)",
                          value_range<std::int64_t>{0, 65535});
  s.declare<std::int64_t>("grpc.max_message_bytes", 4 << 20,
                          "a gRPC message at most (else RESOURCE_EXHAUSTED)",
                          value_range<std::int64_t>{1024, std::int64_t{1} << 31});
  s.declare<std::string>("grpc.tls_cert_file", "",
                         "PEM certificate chain file (with tls_key_file: TLS)");
  s.declare<std::string>("grpc.tls_key_file", "", "PEM private key file (with tls_cert_file: TLS)");
  s.declare<duration>("grpc.health_interval", duration{std::chrono::milliseconds{100}},
                      "how often the gRPC health service reads the system's readiness",
                      value_range<duration>{std::chrono::milliseconds{1}, {}});
}

telemetry::config_schema server_schema() {
  auto s = telemetry::runtime_schema();
  // The network threads share the cores with the scheduler's workers (and
  // a CPU-backend kernel's loop): an idle worker yields its core to them.
  s.set_default("system.idle_yield", true);
  declare_pool_backend_key(s);
  declare_http_keys(s);
  declare_topic_keys(s);
  declare_grpc_keys(s);
  return s;
}

server_options server_options_from(const telemetry::config& cfg) {
  server_options o;
  o.address = cfg.get<std::string>("http.address");
  o.port = static_cast<std::uint16_t>(cfg.get<std::int64_t>("http.port"));
  o.threads = static_cast<std::size_t>(cfg.get<std::int64_t>("http.threads"));
  o.max_connections = static_cast<std::size_t>(cfg.get<std::int64_t>("http.max_connections"));
  o.max_header_bytes = static_cast<std::size_t>(cfg.get<std::int64_t>("http.max_header_bytes"));
  o.max_body_bytes = static_cast<std::size_t>(cfg.get<std::int64_t>("http.max_body_bytes"));
  o.read_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
    cfg.get<duration>("http.read_timeout"));
  o.header_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
    cfg.get<duration>("http.header_timeout"));
  o.body_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
    cfg.get<duration>("http.body_timeout"));
  o.idle_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
    cfg.get<duration>("http.idle_timeout"));
  o.tls_cert_file = cfg.get<std::string>("http.tls_cert_file");
  o.tls_key_file = cfg.get<std::string>("http.tls_key_file");
  o.tls_ca_file = cfg.get<std::string>("http.tls_ca_file");
  o.shutdown_grace = std::chrono::duration_cast<std::chrono::milliseconds>(
    cfg.get<duration>("http.shutdown_grace"));
  o.stream_send_buffer = static_cast<std::size_t>(cfg.get<std::int64_t>("http.stream_send_buffer"));
  return o;
}

ws_options ws_options_from(const telemetry::config& cfg) {
  ws_options o;
  o.max_queued = static_cast<std::size_t>(cfg.get<std::int64_t>("http.ws_max_queued"));
  return o;
}

topic_route_options topic_route_options_from(const telemetry::config& cfg) {
  return {.heartbeat = std::chrono::duration_cast<std::chrono::milliseconds>(
            cfg.get<duration>("http.sse_heartbeat"))};
}

std::vector<std::pair<std::string, topic_options>> topic_specs_from(const telemetry::config& cfg) {
  std::vector<std::pair<std::string, topic_options>> out;
  for (auto& [path, e] : cfg.entries()) {
    std::string_view p = path;
    if (!p.starts_with("topics.") || !p.ends_with(".buffer") || p.ends_with(".subscriber_buffer"))
      continue;
    auto name = std::string{p.substr(7, p.size() - 7 - 7)};
    topic_options o;
    o.buffer = static_cast<std::size_t>(cfg.get<std::int64_t>("topics." + name + ".buffer"));
    o.subscriber_buffer = static_cast<std::size_t>(cfg.get<std::int64_t>("topics." + name
                                                                         + ".subscriber_buffer"));
    out.emplace_back(std::move(name), o);
  }
  return out;
}

} // namespace ringactor::service
