#include "ringactor/metrics/snapshot.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ringactor/logger.hpp"
#include "ringactor/metrics/errc.hpp"
#include "validate_names.hpp"

namespace ringactor::metrics {

std::string_view to_string(metric_type x) noexcept {
  switch (x) {
    case metric_type::counter: return "counter";
    case metric_type::gauge: return "gauge";
    case metric_type::histogram: return "histogram";
  }
  return "untyped";
}

const sample* family_snapshot::find(std::span<const std::string_view> label_values) const {
  auto same = [&](const sample& s) {
    return std::equal(s.label_values.begin(), s.label_values.end(), label_values.begin(),
                      label_values.end());
  };
  auto i = std::find_if(samples.begin(), samples.end(), same);
  return i != samples.end() ? &*i : nullptr;
}

const family_snapshot* snapshot::find(std::string_view name) const {
  auto i = std::lower_bound(families.begin(), families.end(), name,
                            [](const family_snapshot& f, std::string_view n) {
                              return f.name < n;
                            });
  return i != families.end() && i->name == name ? &*i : nullptr;
}

// -- sample_sink ----------------------------------------------------------------------

family_snapshot* sample_sink::family(std::string_view name, std::string_view help, metric_type type,
                                     std::vector<std::string> label_names,
                                     std::vector<double> bounds) {
  if (auto why = detail::invalid_family(name, type, label_names, bounds); !why.empty()) {
    report(fmt::format("a collector's family {}: {}", name, why));
    return nullptr;
  }
  auto& fs = out_.families;
  auto i = std::find_if(fs.begin(), fs.end(),
                        [&](const family_snapshot& f) { return f.name == name; });
  if (i == fs.end()) {
    auto& f = fs.emplace_back();
    f.name = std::string{name};
    f.help = std::string{help};
    f.type = type;
    f.label_names = std::move(label_names);
    f.bounds = std::move(bounds);
    return &f;
  }
  if (i->type != type || i->label_names != label_names || i->bounds != bounds) {
    report(fmt::format("a collector's family {} ({}, labels {}) clashes with the {} of that name "
                       "(labels {}); its samples were left out",
                       name, to_string(type), label_names, to_string(i->type), i->label_names));
    return nullptr;
  }
  return &*i;
}

void sample_sink::add(family_snapshot& f, std::vector<std::string> label_values, double value) {
  if (label_values.size() != f.label_names.size()) {
    report(
      fmt::format("a collector's sample of {} has {} label values for {} label names; left out",
                  f.name, label_values.size(), f.label_names.size()));
    return;
  }
  auto& s = f.samples.emplace_back();
  s.label_values = std::move(label_values);
  s.value = value;
}

void sample_sink::add_histogram(family_snapshot& f, std::vector<std::string> label_values,
                                std::span<const uint64_t> counts, double sum) {
  if (label_values.size() != f.label_names.size() || counts.size() != f.bounds.size() + 1) {
    report(fmt::format("a collector's histogram sample of {} has {} label values ({} expected) and "
                       "{} buckets ({} expected); left out",
                       f.name, label_values.size(), f.label_names.size(), counts.size(),
                       f.bounds.size() + 1));
    return;
  }
  auto& s = f.samples.emplace_back();
  s.label_values = std::move(label_values);
  s.buckets.resize(counts.size());
  uint64_t total = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    total += counts[i];
    s.buckets[i] = total;
  }
  s.sum = sum;
}

void sample_sink::report(std::string what) {
  log_warn("metrics: {}", what);
  out_.errors.push_back(std::move(what));
}

} // namespace ringactor::metrics
