// ringactor: what registry::collect() returns, the input of exposition
// formats (telemetry::prometheus_text), and the sink collectors write to.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ringactor::metrics {

enum class metric_type { counter, gauge, histogram };

/// "counter", "gauge" or "histogram" (the Prometheus TYPE names).
std::string_view to_string(metric_type x) noexcept;

/// One time series of a family: its label values (in the order of the
/// family's label names) and its value.
struct sample {
  std::vector<std::string> label_values;
  /// A counter's or gauge's value.
  double value = 0;
  /// A histogram's cumulative bucket counts: one per bound, then +Inf.
  std::vector<uint64_t> buckets;
  /// A histogram's sum of observations.
  double sum = 0;
  /// A histogram's number of observations (its +Inf bucket).
  uint64_t count() const noexcept { return buckets.empty() ? 0 : buckets.back(); }
};

/// A family at the moment of a scrape.
struct family_snapshot {
  std::string name;
  std::string help;
  metric_type type = metric_type::counter;
  std::vector<std::string> label_names;
  /// A histogram's bucket upper bounds (without +Inf).
  std::vector<double> bounds;
  /// Sorted by label values.
  std::vector<sample> samples;

  /// The sample with these label values, or null.
  const sample* find(std::span<const std::string_view> label_values) const;
  const sample* find(std::initializer_list<std::string_view> label_values) const {
    return find(std::span<const std::string_view>{label_values.begin(), label_values.size()});
  }
};

/// Every family of a registry, with the samples of its collectors.
struct snapshot {
  /// Sorted by name; one entry per name.
  std::vector<family_snapshot> families;
  /// Samples a collector emitted that could not be taken (a family name
  /// already used with another type or other labels, a wrong number of
  /// label values), one line each. Also logged as warnings.
  std::vector<std::string> errors;

  /// The family called `name`, or null.
  const family_snapshot* find(std::string_view name) const;
};

/// What a collector writes its samples to, at scrape time. Samples with
/// the same family and label values are summed (several kernels on one
/// device, the per-worker counters of the scheduler).
///
///   registry.add_collector([&pool](metrics::sample_sink& out) {
///     auto f = out.family("app_pool_workers", "Live workers.", metrics::metric_type::gauge,
///                         {"pool"});
///     if (f != nullptr)
///       out.add(*f, {"db"}, pool.live_workers());
///   });
class sample_sink {
public:
  explicit sample_sink(snapshot& out) noexcept : out_(out) {}

  /// The family `name`, created on first use. Null (and a line in
  /// snapshot::errors) when `name` is not a valid metric name, or exists
  /// with another type, label names or bounds.
  family_snapshot* family(std::string_view name, std::string_view help, metric_type type,
                          std::vector<std::string> label_names, std::vector<double> bounds = {});

  /// Adds a counter's or gauge's sample (summed with an earlier one that
  /// has the same label values).
  void add(family_snapshot& f, std::vector<std::string> label_values, double value);

  /// Adds a histogram's sample: `counts` per bucket (not cumulative), one
  /// per bound and one for +Inf; summed with an earlier one.
  void add_histogram(family_snapshot& f, std::vector<std::string> label_values,
                     std::span<const uint64_t> counts, double sum);

  /// Records a problem in snapshot::errors (and the log).
  void report(std::string what);

private:
  snapshot& out_;
};

} // namespace ringactor::metrics
