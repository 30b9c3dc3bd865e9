// ringactor: an actor system's metrics as a prometheus-cpp Collectable, for
// programs that already expose prometheus-cpp registries
// (ringactor-prometheus-cpp; pkg-config ringactor-prometheus-cpp).
#pragma once

#include <memory>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include "ringactor/actor_system.hpp"
#include "ringactor/metrics/registry.hpp"
#include "ringactor/metrics/snapshot.hpp"

namespace ringactor::telemetry {

/// The families of `snap` as prometheus-cpp reads them, in the same order
/// (sorted by name) and with the same names, help texts, label sets and
/// values as prometheus_text(snap) writes: counters and gauges one value per
/// label set; histograms with one cumulative bucket per bound, then the +Inf
/// bucket (its count is the sample count), and the sum. Names keep their
/// unit suffixes (`_seconds`, `_bytes`, `_total`) as the registry has them.
///
/// prometheus-cpp 1.0's TextSerializer writes help texts verbatim, so the
/// help texts here are escaped already as the text format 0.0.4 asks
/// (backslash as `\\`, newline as `\n`): a help text with a newline would
/// otherwise break the page. Label values are left as they are (the
/// serializer escapes them).
std::vector<prometheus::MetricFamily> to_prometheus_families(const metrics::snapshot& snap);

/// A prometheus::Collectable whose Collect() reads a ringactor metrics
/// registry at scrape time (registry::collect(), the walk prometheus_text()
/// uses) and converts it with to_prometheus_families().
///
/// prometheus-cpp 1.0 takes foreign collectables in prometheus::Exposer
/// (and Gateway), next to the application's prometheus::Registry:
///
///   actor_system sys{cfg};
///   auto registry = std::make_shared<prometheus::Registry>();  // the app's
///   auto ringactor_metrics = std::make_shared<telemetry::prometheus_collectable>(sys);
///   prometheus::Exposer exposer{"127.0.0.1:9464"};
///   exposer.RegisterCollectable(registry);
///   exposer.RegisterCollectable(ringactor_metrics);
///
/// Lifetime: the collectable holds the registry weakly (the system's own
/// control block, system_ref). A scrape while the system lives keeps its
/// registry alive until Collect() returns, so the system may be destroyed
/// during a scrape on another thread; once the system is gone, Collect()
/// returns no families. The collectable may therefore outlive the system,
/// and prometheus-cpp may keep it registered. (A system destroyed during a
/// scrape is freed by that scrape's thread when Collect() returns; its
/// worker threads were stopped by the destructor already.)
class prometheus_collectable : public prometheus::Collectable {
public:
  /// Reads `sys.metrics()`; holds no reference that keeps `sys` alive.
  explicit prometheus_collectable(const actor_system& sys);

  /// Reads the registry of the system `sys` refers to, while there is one.
  explicit prometheus_collectable(const system_ref& sys);

  /// Reads `reg` (a registry of the application's own, or one that shares
  /// ownership with what owns it) while something else keeps it alive.
  explicit prometheus_collectable(std::weak_ptr<const metrics::registry> reg) noexcept;

  /// The registry's families now; none once the registry is gone.
  /// Thread-safe: prometheus-cpp scrapes from its own threads.
  std::vector<prometheus::MetricFamily> Collect() const override;

  /// True while the registry exists (a scrape may still find it gone).
  bool attached() const noexcept { return !reg_.expired(); }

private:
  std::weak_ptr<const metrics::registry> reg_;
};

} // namespace ringactor::telemetry
