// Helpers of the telemetry suite's metrics tests: reading one sample out of
// a registry's snapshot.
#pragma once

#include <initializer_list>
#include <optional>
#include <string_view>

#include <ringactor/metrics/registry.hpp>

namespace metrics_test {

/// The value of the sample of family `name` with `labels`; nullopt if the
/// family or the sample is missing.
inline std::optional<double> value_of(const ringactor::metrics::registry& reg,
                                      std::string_view name,
                                      std::initializer_list<std::string_view> labels = {}) {
  auto snap = reg.collect();
  auto f = snap.find(name);
  if (f == nullptr)
    return std::nullopt;
  auto s = f->find(labels);
  if (s == nullptr)
    return std::nullopt;
  return s->value;
}

/// The sample of histogram family `name` with `labels`; nullopt if missing.
inline std::optional<ringactor::metrics::sample>
histogram_of(const ringactor::metrics::registry& reg, std::string_view name,
             std::initializer_list<std::string_view> labels) {
  auto snap = reg.collect();
  auto f = snap.find(name);
  if (f == nullptr)
    return std::nullopt;
  auto s = f->find(labels);
  if (s == nullptr)
    return std::nullopt;
  return *s;
}

} // namespace metrics_test
