// Helpers of the telemetry suite's metrics tests: reading one sample out of
// a registry's snapshot.
#pragma once

#include <initializer_list>
#include <optional>
#include <string_view>

#include <ringactor/metrics/registry.hpp>

namespace metrics_test {

/// The sample of family `name` with `labels`; nullopt if the family or the
/// sample is missing.
inline std::optional<ringactor::metrics::sample>
sample_of(const ringactor::metrics::registry& reg, std::string_view name,
          std::initializer_list<std::string_view> labels = {}) {
  auto snap = reg.collect();
  auto f = snap.find(name);
  if (f == nullptr)
    return std::nullopt;
  auto s = f->find(labels);
  if (s == nullptr)
    return std::nullopt;
  return *s;
}

/// The value of a counter's or gauge's sample (sample_of).
inline std::optional<double> value_of(const ringactor::metrics::registry& reg,
                                      std::string_view name,
                                      std::initializer_list<std::string_view> labels = {}) {
  auto s = sample_of(reg, name, labels);
  return s ? std::optional<double>{s->value} : std::nullopt;
}

/// A histogram's sample (sample_of).
inline std::optional<ringactor::metrics::sample>
histogram_of(const ringactor::metrics::registry& reg, std::string_view name,
             std::initializer_list<std::string_view> labels) {
  return sample_of(reg, name, labels);
}

} // namespace metrics_test
