// ringactor: the metrics registry an actor system owns
// (actor_system::metrics()): families of counters, gauges and histograms,
// and collectors that report values kept elsewhere.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ringactor/metrics/family.hpp"
#include "ringactor/metrics/snapshot.hpp"

namespace ringactor::metrics {

class registry;

/// Removes its collector from the registry when destroyed (or reset).
/// Once that returned, the callback neither runs nor will run again.
/// Must not outlive the registry.
class collector_handle {
public:
  collector_handle() = default;
  collector_handle(registry& owner, uint64_t id) noexcept : owner_(&owner), id_(id) {}
  collector_handle(collector_handle&& other) noexcept
    : owner_(std::exchange(other.owner_, nullptr)), id_(other.id_) {}
  collector_handle& operator=(collector_handle&& other) noexcept {
    if (this != &other) {
      reset();
      owner_ = std::exchange(other.owner_, nullptr);
      id_ = other.id_;
    }
    return *this;
  }
  ~collector_handle() { reset(); }

  /// Removes the collector now; waits for a scrape that is running it.
  void reset() noexcept;
  explicit operator bool() const noexcept { return owner_ != nullptr; }

private:
  registry* owner_ = nullptr;
  uint64_t id_ = 0;
};

/// Families by name and collectors. Thread-safe: families are created,
/// updated and collected concurrently; collectors are added and removed
/// while scrapes run.
///
/// Names follow Prometheus conventions: [a-zA-Z_:][a-zA-Z0-9_:]*, base
/// units as a suffix (`_seconds`, `_bytes`), and counters end in `_total`.
/// Creating a family is a setup step: a bad name or label name, or a name
/// already taken by a family of another type, label names or bounds,
/// throws std::invalid_argument. Asking again for an existing family with
/// the same type, labels (and bounds) returns it.
///
///   auto& rt = reg.histogram_family("app_request_duration_seconds",
///                                   "Time to answer a request.", {"route"});
///   auto h = rt.get({"/users"}); // expected<histogram*>
///   if (h) (*h)->observe(0.0042);
///   auto page = telemetry::prometheus_text(reg);
class registry {
public:
  registry() = default;
  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;
  ~registry();

  // -- families -----------------------------------------------------------------

  metrics::counter_family& counter_family(std::string name, std::string help,
                                          std::vector<std::string> label_names,
                                          size_t max_label_sets = default_max_label_sets);
  metrics::gauge_family& gauge_family(std::string name, std::string help,
                                      std::vector<std::string> label_names,
                                      size_t max_label_sets = default_max_label_sets);
  metrics::double_gauge_family& double_gauge_family(std::string name, std::string help,
                                                    std::vector<std::string> label_names,
                                                    size_t max_label_sets = default_max_label_sets);
  /// `bounds`: bucket upper bounds in base units, strictly ascending and
  /// finite (+Inf is implicit); the default is default_time_buckets().
  metrics::histogram_family& histogram_family(std::string name, std::string help,
                                              std::vector<std::string> label_names,
                                              std::vector<double> bounds = {},
                                              size_t max_label_sets = default_max_label_sets);

  // -- metrics without labels ---------------------------------------------------

  counter& counter_singleton(std::string name, std::string help);
  gauge& gauge_singleton(std::string name, std::string help);
  histogram& histogram_singleton(std::string name, std::string help,
                                 std::vector<double> bounds = {});

  // -- collectors ---------------------------------------------------------------

  using collector = std::function<void(sample_sink&)>;

  /// Runs `fn` at every collect(), after the registered families were
  /// read, to emit samples of values kept elsewhere. The collector stays
  /// until the handle goes. `fn` runs under the registry's collector lock:
  /// it must not add or remove collectors, and should be quick.
  [[nodiscard]] collector_handle add_collector(collector fn);

  // -- scraping -----------------------------------------------------------------

  /// Every family with its samples, sorted by name. Thread-safe.
  snapshot collect() const;

private:
  friend class collector_handle;
  void remove_collector(uint64_t id) noexcept;

  template <class T>
  family<T>& add_family(std::string name, std::string help, std::vector<std::string> label_names,
                        size_t max_label_sets, std::vector<double> bounds);

  // Guards families_ (not the families' children: each family has its own
  // lock).
  mutable std::mutex families_mtx_;
  std::map<std::string, std::unique_ptr<family_base>, std::less<>> families_;
  // Guards collectors_ and is held while they run, so that removing one
  // waits for a scrape that runs it.
  mutable std::mutex collectors_mtx_;
  std::map<uint64_t, collector> collectors_;
  uint64_t next_collector_id_ = 1; // guarded by collectors_mtx_
};

} // namespace ringactor::metrics
