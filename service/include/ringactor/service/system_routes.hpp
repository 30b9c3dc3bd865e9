// ringactor service: the routes every server has, served from an actor
// system (its health registry and metrics registry):
//
//   GET /health        both questions: 200 when live and ready, else 503
//   GET /health/live   liveness:  200, or 503 with the failing components
//   GET /health/ready  readiness: 200, or 503 (also while the server drains)
//   GET /metrics       the Prometheus text format 0.0.4
//
// A health body: {"status":"ok"|"failing","kind":"readiness",
// "components":[{"component":"pool.db","ok":false,"reason":"0 of 4 workers live"}]}.
#pragma once

#include <atomic>
#include <string>

#include <ringactor/actor_system.hpp>
#include <ringactor/health.hpp>

#include "ringactor/service/http_server.hpp"

namespace ringactor::service {

/// The JSON form of a health report (as above).
std::string health_json(const health_report& report);

/// Adds the routes above for `sys`. While `*draining` is true (a server
/// that stops), readiness fails with the component "service.http",
/// "draining"; `draining` may be null. `sys` and `draining` must outlive the
/// server's threads (stop() the server first).
void add_system_routes(http_server& server, actor_system& sys,
                       const std::atomic<bool>* draining = nullptr);

} // namespace ringactor::service
