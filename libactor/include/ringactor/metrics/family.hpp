// ringactor: a metric family, one name with a child metric per label set.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ringactor/expected.hpp"
#include "ringactor/metrics/counter.hpp"
#include "ringactor/metrics/errc.hpp"
#include "ringactor/metrics/gauge.hpp"
#include "ringactor/metrics/histogram.hpp"
#include "ringactor/metrics/snapshot.hpp"

namespace ringactor::metrics {

/// The default cap on a family's label sets.
inline constexpr size_t default_max_label_sets = 512;

/// What every family shares: name, help, type, label names and the cap on
/// its label sets. Families are created by a registry and live as long as
/// it does.
class family_base {
public:
  family_base(std::string name, std::string help, metric_type type,
              std::vector<std::string> label_names, size_t max_label_sets)
    : name_(std::move(name)),
      help_(std::move(help)),
      type_(type),
      label_names_(std::move(label_names)),
      max_label_sets_(max_label_sets) {}
  virtual ~family_base() = default;
  family_base(const family_base&) = delete;
  family_base& operator=(const family_base&) = delete;

  const std::string& name() const noexcept { return name_; }
  const std::string& help() const noexcept { return help_; }
  metric_type type() const noexcept { return type_; }
  const std::vector<std::string>& label_names() const noexcept { return label_names_; }
  size_t max_label_sets() const noexcept { return max_label_sets_; }
  /// A histogram family's bucket bounds; empty for the others.
  virtual std::span<const double> bounds() const noexcept { return {}; }

  /// Writes the current value of every child into `out` (name, help and
  /// type included). Thread-safe, also against get() and updates.
  virtual void collect(family_snapshot& out) const = 0;

protected:
  /// The error get() returns for `n` label values, or none.
  error check_label_count(size_t n) const;
  /// The error get() returns when the cap is reached.
  error cap_reached(std::span<const std::string_view> label_values) const;

private:
  std::string name_;
  std::string help_;
  metric_type type_;
  std::vector<std::string> label_names_;
  size_t max_label_sets_;
};

namespace detail {

inline void read_into(sample& out, const counter& x) {
  out.value = static_cast<double>(x.value());
}
inline void read_into(sample& out, const gauge& x) {
  out.value = static_cast<double>(x.value());
}
inline void read_into(sample& out, const double_gauge& x) {
  out.value = x.value();
}
void read_into(sample& out, const histogram& x);

template <class T>
constexpr metric_type type_of() {
  if constexpr (std::is_same_v<T, counter>)
    return metric_type::counter;
  else if constexpr (std::is_same_v<T, histogram>)
    return metric_type::histogram;
  else
    return metric_type::gauge;
}

} // namespace detail

/// The children of one metric name, one per set of label values.
///
/// Label values must have bounded cardinality: an actor type name, a pool
/// name, a backend, a device, an outcome. Never an actor id, a request id,
/// a kernel id or anything else that grows with the work: each label set is
/// a time series that lives until the registry goes. The family enforces a
/// cap (default_max_label_sets unless the registry was told otherwise):
/// get() for a label set past it returns errc::label_set_cap_reached and
/// creates nothing.
///
/// get() takes a mutex; the child it returns is stable for the registry's
/// lifetime, so hot code looks it up once and keeps the pointer:
///
///   auto& requests = sys.metrics().counter_family("app_requests_total", "Requests by route.",
///                                                 {"route"});
///   metrics::counter* users = *requests.get({"/users"}); // check the expected once
///   users->inc();                                        // then only this, per request
template <class T>
class family final : public family_base {
public:
  family(std::string name, std::string help, std::vector<std::string> label_names,
         size_t max_label_sets, std::vector<double> bounds = {})
    : family_base(std::move(name), std::move(help), detail::type_of<T>(), std::move(label_names),
                  max_label_sets),
      bounds_(std::move(bounds)) {}

  /// The child for `label_values` (one per label name, in order), created
  /// on first use; errc::label_count_mismatch or errc::label_set_cap_reached
  /// instead. Thread-safe.
  expected<T*> get(std::span<const std::string_view> label_values) {
    if (auto err = check_label_count(label_values.size()))
      return err;
    std::vector<std::string> key{label_values.begin(), label_values.end()};
    std::lock_guard guard{mtx_};
    auto i = children_.find(key);
    if (i != children_.end())
      return i->second.get();
    if (children_.size() >= max_label_sets())
      return cap_reached(label_values);
    std::unique_ptr<T> child;
    if constexpr (std::is_same_v<T, histogram>)
      child = std::make_unique<T>(std::span<const double>{bounds_});
    else
      child = std::make_unique<T>();
    auto result = child.get();
    children_.emplace(std::move(key), std::move(child));
    return result;
  }
  expected<T*> get(std::initializer_list<std::string_view> label_values) {
    return get(std::span<const std::string_view>{label_values.begin(), label_values.size()});
  }

  /// Label sets created so far.
  size_t size() const {
    std::lock_guard guard{mtx_};
    return children_.size();
  }

  std::span<const double> bounds() const noexcept override { return bounds_; }

  void collect(family_snapshot& out) const override {
    out.name = name();
    out.help = help();
    out.type = type();
    out.label_names = label_names();
    out.bounds = bounds_;
    std::lock_guard guard{mtx_};
    out.samples.reserve(children_.size());
    for (auto& [labels, child] : children_) {
      auto& s = out.samples.emplace_back();
      s.label_values = labels;
      detail::read_into(s, *child);
    }
  }

private:
  // Sorted by label values (the order of the exposition); guards only the
  // map: children are updated without it.
  mutable std::mutex mtx_;
  std::map<std::vector<std::string>, std::unique_ptr<T>> children_;
  std::vector<double> bounds_;
};

using counter_family = family<counter>;
using gauge_family = family<gauge>;
using double_gauge_family = family<double_gauge>;
using histogram_family = family<histogram>;

} // namespace ringactor::metrics
