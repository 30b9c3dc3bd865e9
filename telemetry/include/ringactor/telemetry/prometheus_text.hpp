// ringactor: the Prometheus text exposition format 0.0.4 of a metrics
// registry (what a /metrics endpoint serves).
#pragma once

#include <string>
#include <string_view>

#include "ringactor/metrics/registry.hpp"
#include "ringactor/metrics/snapshot.hpp"

namespace ringactor::telemetry {

/// The Content-Type of prometheus_text()'s output.
inline constexpr std::string_view
  prometheus_content_type = "text/plain; version=0.0.4; charset=utf-8";

/// Writes `snap` in the Prometheus text format 0.0.4: per family (sorted by
/// name) `# HELP` and `# TYPE` once, then one line per sample; histograms
/// as cumulative `_bucket{le="..."}` lines ending with `le="+Inf"`, then
/// `_sum` and `_count`. Label values are escaped (backslash, double quote,
/// newline), help texts too (backslash, newline); floats are written as
/// Prometheus reads them (`+Inf`, `-Inf`, `NaN`). Appends to `out`, so that
/// a server can reuse one buffer across scrapes.
void append_prometheus_text(std::string& out, const metrics::snapshot& snap);

/// Collects `reg` and appends its text to `out`.
void append_prometheus_text(std::string& out, const metrics::registry& reg);

/// The text of `reg` (collects it first).
///
///   actor_system sys{cfg};
///   std::string page = telemetry::prometheus_text(sys.metrics());
///   // # HELP ringactor_requests_total Requests completed, by ...
///   // # TYPE ringactor_requests_total counter
///   // ringactor_requests_total{outcome="value"} 42
std::string prometheus_text(const metrics::registry& reg);

/// The text of a snapshot taken earlier.
std::string prometheus_text(const metrics::snapshot& snap);

} // namespace ringactor::telemetry
