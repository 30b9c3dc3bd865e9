#include "ringactor/telemetry/prometheus_cpp.hpp"

#include <limits>
#include <string>
#include <string_view>
#include <utility>

namespace ringactor::telemetry {

namespace {

/// The help text as the text format 0.0.4 writes it (prometheus_text()
/// does the same): prometheus-cpp 1.0's TextSerializer copies it verbatim.
std::string escape_help(std::string_view x) {
  std::string out;
  out.reserve(x.size());
  for (char c : x) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
  return out;
}

prometheus::MetricType to_prometheus(metrics::metric_type x) noexcept {
  switch (x) {
    case metrics::metric_type::counter: return prometheus::MetricType::Counter;
    case metrics::metric_type::gauge: return prometheus::MetricType::Gauge;
    case metrics::metric_type::histogram: return prometheus::MetricType::Histogram;
  }
  return prometheus::MetricType::Untyped;
}

/// The labels of `s` by the names of `f`. A sample never has fewer values
/// than its family has names (sample_sink checks), but the loop stops at
/// the shorter one as prometheus_text() does.
std::vector<prometheus::ClientMetric::Label> labels_of(const metrics::family_snapshot& f,
                                                       const metrics::sample& s) {
  std::vector<prometheus::ClientMetric::Label> out;
  out.reserve(f.label_names.size());
  for (size_t i = 0; i < f.label_names.size() && i < s.label_values.size(); ++i)
    out.push_back({f.label_names[i], s.label_values[i]});
  return out;
}

/// Cumulative buckets: one per bound, then +Inf. prometheus-cpp's own
/// histograms list +Inf too; its serializer writes `le="+Inf"` for it.
void fill_histogram(prometheus::ClientMetric& m, const metrics::family_snapshot& f,
                    const metrics::sample& s) {
  auto& h = m.histogram;
  h.sample_count = s.count();
  h.sample_sum = s.sum;
  h.bucket.reserve(s.buckets.size());
  for (size_t i = 0; i < s.buckets.size(); ++i) {
    prometheus::ClientMetric::Bucket b;
    b.cumulative_count = s.buckets[i];
    b.upper_bound = i < f.bounds.size() ? f.bounds[i] : std::numeric_limits<double>::infinity();
    h.bucket.push_back(b);
  }
}

} // namespace

std::vector<prometheus::MetricFamily> to_prometheus_families(const metrics::snapshot& snap) {
  std::vector<prometheus::MetricFamily> out;
  out.reserve(snap.families.size());
  for (auto& f : snap.families) {
    prometheus::MetricFamily pf;
    pf.name = f.name;
    pf.help = escape_help(f.help);
    pf.type = to_prometheus(f.type);
    pf.metric.reserve(f.samples.size());
    for (auto& s : f.samples) {
      prometheus::ClientMetric m;
      m.label = labels_of(f, s);
      switch (f.type) {
        case metrics::metric_type::counter: m.counter.value = s.value; break;
        case metrics::metric_type::gauge: m.gauge.value = s.value; break;
        case metrics::metric_type::histogram: fill_histogram(m, f, s); break;
      }
      pf.metric.push_back(std::move(m));
    }
    out.push_back(std::move(pf));
  }
  return out;
}

prometheus_collectable::prometheus_collectable(const actor_system& sys)
  : prometheus_collectable(sys.weak_ref()) {}

prometheus_collectable::prometheus_collectable(const system_ref& sys)
  : reg_(std::shared_ptr<const metrics::registry>{sys.metrics()}) {
  // sys.metrics() aliases the system's core; the weak pointer taken from it
  // keeps the alias, and the strong one is dropped right here.
}

prometheus_collectable::prometheus_collectable(std::weak_ptr<const metrics::registry> reg) noexcept
  : reg_(std::move(reg)) {}

std::vector<prometheus::MetricFamily> prometheus_collectable::Collect() const {
  // The strong pointer keeps the registry (and the system core that owns
  // it) alive for the length of the scrape, as a kernel's poller does; a
  // system destroyed meanwhile is released when it goes.
  auto reg = reg_.lock();
  if (!reg)
    return {};
  return to_prometheus_families(reg->collect());
}

} // namespace ringactor::telemetry
