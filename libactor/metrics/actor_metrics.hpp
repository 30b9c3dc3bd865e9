// ringactor (private): the opt-in per-type actor metrics (as CAF's
// caf_actor_*): which actor names are metered, and their family children.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "ringactor/metrics/registry.hpp"

namespace ringactor::detail {

/// The children of one actor name; stable for the registry's lifetime.
struct actor_metrics {
  metrics::histogram* mailbox_time;
  metrics::histogram* processing_time;
  metrics::gauge* mailbox_size;
};

/// Whether `text` matches `pattern` (`*`: any run of characters, `?`: one).
bool glob_match(std::string_view pattern, std::string_view text) noexcept;

/// Decides per actor name, once, whether it is metered.
class actor_metrics_table {
public:
  /// Creates the three families in `reg` when `includes` is not empty.
  actor_metrics_table(metrics::registry& reg, std::vector<std::string> includes);

  /// False when no actor is metered (no name needs a look-up).
  bool enabled() const noexcept { return !includes_.empty(); }

  /// The metrics of actors called `name`, or null when the name matches no
  /// include pattern (or the families' cap was reached: logged once per
  /// name). Thread-safe.
  const actor_metrics* find(std::string_view name);

private:
  std::vector<std::string> includes_;
  metrics::histogram_family* mailbox_time_ = nullptr;
  metrics::histogram_family* processing_time_ = nullptr;
  metrics::gauge_family* mailbox_size_ = nullptr;
  std::mutex mtx_;
  // Every name looked up so far; null for those not metered. Guarded by mtx_.
  std::map<std::string, std::unique_ptr<actor_metrics>, std::less<>> by_name_;
};

} // namespace ringactor::detail
