// ringactor service: /health, /health/live, /health/ready and /metrics
// (system_routes.hpp).
#include "ringactor/service/system_routes.hpp"

#include <ringactor/json/json_text.hpp>
#include <ringactor/telemetry/prometheus_text.hpp>

namespace ringactor::service {

namespace {

void append_report(std::string& out, const health_report& report) {
  out += "{\"status\":";
  out += report.ok ? "\"ok\"" : "\"failing\"";
  out += ",\"kind\":";
  wire::append_json_string(out, to_string(report.kind));
  out += ",\"components\":[";
  bool first = true;
  for (auto& c : report.components) {
    out += first ? "{" : ",{";
    first = false;
    out += "\"component\":";
    wire::append_json_string(out, c.component);
    out += ",\"ok\":";
    out += c.ok ? "true" : "false";
    if (!c.reason.empty()) {
      out += ",\"reason\":";
      if (wire::append_json_string(out, c.reason) != c.reason.size())
        out += "\"(not valid UTF-8)\"";
    }
    out += '}';
  }
  out += "]}";
}

health_report readiness_of(actor_system& sys, const std::atomic<bool>* draining) {
  auto report = sys.health().readiness();
  if (draining != nullptr && draining->load(std::memory_order_acquire)) {
    report.ok = false;
    report.components.push_back({"service.http", false, "draining: the server stops"});
  }
  return report;
}

http_response health_response(const health_report& report) {
  return http_response::json(report.ok ? 200 : 503, health_json(report));
}

} // namespace

std::string health_json(const health_report& report) {
  std::string out;
  append_report(out, report);
  return out;
}

void add_system_routes(http_server& server, actor_system& sys, const std::atomic<bool>* draining) {
  server.route("GET", "/health/live",
               [&sys](const http_request&) { return health_response(sys.health().liveness()); });
  server.route("GET", "/health/ready", [&sys, draining](const http_request&) {
    return health_response(readiness_of(sys, draining));
  });
  server.route("GET", "/health", [&sys, draining](const http_request&) {
    auto live = sys.health().liveness();
    auto ready = readiness_of(sys, draining);
    std::string body = "{\"status\":";
    body += live.ok && ready.ok ? "\"ok\"" : "\"failing\"";
    body += ",\"live\":";
    append_report(body, live);
    body += ",\"ready\":";
    append_report(body, ready);
    body += '}';
    return http_response::json(live.ok && ready.ok ? 200 : 503, std::move(body));
  });
  server.route("GET", "/metrics", [&sys](const http_request&) {
    http_response r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = telemetry::prometheus_text(sys.metrics());
    return r;
  });
}

} // namespace ringactor::service
