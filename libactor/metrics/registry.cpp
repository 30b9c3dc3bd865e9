#include "ringactor/metrics/registry.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "validate_names.hpp"

namespace ringactor::metrics {

// -- errors -----------------------------------------------------------------------------

namespace {

class errc_category_impl final : public std::error_category {
public:
  const char* name() const noexcept override { return "metrics"; }
  std::string message(int code) const override {
    switch (static_cast<errc>(code)) {
      case errc::label_set_cap_reached:
        return "the metric family already holds its maximum number of label sets";
      case errc::label_count_mismatch:
        return "the number of label values differs from the family's label names";
    }
    return fmt::format("unknown metrics error {}", code);
  }
};

bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool is_name_char(char c) {
  return is_name_start(c) || (c >= '0' && c <= '9');
}

bool valid_metric_name(std::string_view x) {
  if (x.empty() || !(is_name_start(x[0]) || x[0] == ':'))
    return false;
  return std::all_of(x.begin(), x.end(), [](char c) { return is_name_char(c) || c == ':'; });
}

bool valid_label_name(std::string_view x) {
  return !x.empty() && is_name_start(x[0]) && std::all_of(x.begin(), x.end(), is_name_char)
         && !x.starts_with("__");
}

} // namespace

const std::error_category& errc_category() noexcept {
  static const errc_category_impl instance;
  return instance;
}

error family_base::check_label_count(size_t n) const {
  if (n == label_names_.size())
    return {};
  return error{errc::label_count_mismatch,
               fmt::format("{} has labels {} ({}), got {} values", name_, label_names_,
                           label_names_.size(), n)};
}

error family_base::cap_reached(std::span<const std::string_view> label_values) const {
  return error{errc::label_set_cap_reached,
               fmt::format("{} holds {} label sets, its cap; {} was not created (a label must "
                           "have few values: never an actor, request or kernel id)",
                           name_, max_label_sets_, label_values)};
}

namespace detail {

std::string invalid_family(std::string_view name, metric_type type,
                           std::span<const std::string> label_names,
                           std::span<const double> bounds) {
  if (!valid_metric_name(name))
    return "not a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)";
  if (type == metric_type::counter && !name.ends_with("_total"))
    return "a counter's name ends in _total";
  for (size_t i = 0; i < label_names.size(); ++i) {
    auto& l = label_names[i];
    if (!valid_label_name(l))
      return fmt::format("label {:?} is not a label name ([a-zA-Z_][a-zA-Z0-9_]*, no leading __)",
                         l);
    if (type == metric_type::histogram && l == "le")
      return "a histogram cannot have a label called le (its buckets use it)";
    if (std::find(label_names.begin(), label_names.begin() + static_cast<ptrdiff_t>(i), l)
        != label_names.begin() + static_cast<ptrdiff_t>(i))
      return fmt::format("label {} appears twice", l);
  }
  if (type == metric_type::histogram) {
    if (bounds.empty())
      return "a histogram needs at least one bucket bound";
    for (size_t i = 0; i < bounds.size(); ++i) {
      if (!std::isfinite(bounds[i]))
        return "bucket bounds are finite (+Inf is implicit)";
      if (i > 0 && !(bounds[i - 1] < bounds[i]))
        return "bucket bounds are strictly ascending";
    }
  } else if (!bounds.empty()) {
    return "only histograms have bucket bounds";
  }
  return {};
}

} // namespace detail

// -- families -----------------------------------------------------------------------------

registry::~registry() = default;

template <class T>
family<T>& registry::add_family(std::string name, std::string help,
                                std::vector<std::string> label_names, size_t max_label_sets,
                                std::vector<double> bounds) {
  constexpr auto type = metrics::detail::type_of<T>();
  if (type == metric_type::histogram && bounds.empty()) {
    auto d = default_time_buckets();
    bounds.assign(d.begin(), d.end());
  }
  if (auto why = detail::invalid_family(name, type, label_names, bounds); !why.empty())
    throw std::invalid_argument(fmt::format("metric family {}: {}", name, why));
  if (max_label_sets == 0)
    throw std::invalid_argument(fmt::format("metric family {}: a cap of 0 label sets", name));
  std::lock_guard guard{families_mtx_};
  auto i = families_.find(name);
  if (i != families_.end()) {
    auto existing = dynamic_cast<family<T>*>(i->second.get());
    auto b = i->second->bounds();
    if (existing == nullptr || existing->label_names() != label_names
        || !std::equal(b.begin(), b.end(), bounds.begin(), bounds.end()))
      throw std::invalid_argument(fmt::format(
        "metric family {} exists already as a {} with labels {} (asked for a {} with labels {})",
        name, to_string(i->second->type()), i->second->label_names(), to_string(type),
        label_names));
    return *existing;
  }
  auto f = std::make_unique<family<T>>(name, std::move(help), std::move(label_names),
                                       max_label_sets, std::move(bounds));
  auto& result = *f;
  families_.emplace(std::move(name), std::move(f));
  return result;
}

counter_family& registry::counter_family(std::string name, std::string help,
                                         std::vector<std::string> label_names,
                                         size_t max_label_sets) {
  return add_family<counter>(std::move(name), std::move(help), std::move(label_names),
                             max_label_sets, {});
}

gauge_family& registry::gauge_family(std::string name, std::string help,
                                     std::vector<std::string> label_names, size_t max_label_sets) {
  return add_family<gauge>(std::move(name), std::move(help), std::move(label_names), max_label_sets,
                           {});
}

double_gauge_family& registry::double_gauge_family(std::string name, std::string help,
                                                   std::vector<std::string> label_names,
                                                   size_t max_label_sets) {
  return add_family<double_gauge>(std::move(name), std::move(help), std::move(label_names),
                                  max_label_sets, {});
}

histogram_family& registry::histogram_family(std::string name, std::string help,
                                             std::vector<std::string> label_names,
                                             std::vector<double> bounds, size_t max_label_sets) {
  return add_family<histogram>(std::move(name), std::move(help), std::move(label_names),
                               max_label_sets, std::move(bounds));
}

counter& registry::counter_singleton(std::string name, std::string help) {
  return **counter_family(std::move(name), std::move(help), {}).get({});
}

gauge& registry::gauge_singleton(std::string name, std::string help) {
  return **gauge_family(std::move(name), std::move(help), {}).get({});
}

histogram& registry::histogram_singleton(std::string name, std::string help,
                                         std::vector<double> bounds) {
  return **histogram_family(std::move(name), std::move(help), {}, std::move(bounds)).get({});
}

// -- collectors ---------------------------------------------------------------------------

collector_handle registry::add_collector(collector fn) {
  if (!fn)
    throw std::invalid_argument("metrics: add_collector with an empty function");
  std::lock_guard guard{collectors_mtx_};
  auto id = next_collector_id_++;
  collectors_.emplace(id, std::move(fn));
  return collector_handle{*this, id};
}

void registry::remove_collector(uint64_t id) noexcept {
  std::lock_guard guard{collectors_mtx_};
  collectors_.erase(id);
}

void collector_handle::reset() noexcept {
  if (owner_ != nullptr)
    std::exchange(owner_, nullptr)->remove_collector(id_);
}

// -- scraping -----------------------------------------------------------------------------

snapshot registry::collect() const {
  snapshot result;
  {
    std::lock_guard guard{families_mtx_};
    result.families.reserve(families_.size());
    for (auto& [name, f] : families_)
      f->collect(result.families.emplace_back());
  }
  {
    sample_sink sink{result};
    std::lock_guard guard{collectors_mtx_};
    for (auto& [id, fn] : collectors_)
      fn(sink);
  }
  // Collectors' samples: sorted by labels, equal label sets summed. The
  // registered families' samples are sorted already (their maps are) and
  // get no duplicates from the registry itself.
  for (auto& f : result.families) {
    auto& ss = f.samples;
    std::stable_sort(ss.begin(), ss.end(), [](const sample& x, const sample& y) {
      return x.label_values < y.label_values;
    });
    std::vector<sample> merged;
    merged.reserve(ss.size());
    for (auto& s : ss) {
      if (!merged.empty() && merged.back().label_values == s.label_values) {
        auto& m = merged.back();
        m.value += s.value;
        m.sum += s.sum;
        for (size_t i = 0; i < m.buckets.size() && i < s.buckets.size(); ++i)
          m.buckets[i] += s.buckets[i];
      } else {
        merged.push_back(std::move(s));
      }
    }
    ss = std::move(merged);
  }
  std::sort(result.families.begin(), result.families.end(),
            [](const family_snapshot& x, const family_snapshot& y) { return x.name < y.name; });
  return result;
}

} // namespace ringactor::metrics
