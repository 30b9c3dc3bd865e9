// ringactor (private): the opt-in per-type actor metrics (as CAF's
// caf_actor_*): which actor names are metered, and their family children.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ringactor/mailbox_element.hpp"
#include "ringactor/metrics/registry.hpp"

namespace ringactor::detail {

/// The children of one actor name; stable for the registry's lifetime.
struct actor_metrics {
  metrics::histogram* mailbox_time;
  metrics::histogram* processing_time;
  metrics::gauge* mailbox_size;
};

/// A metered actor's own state: the children of its name and the enqueue
/// times of the messages in its mailbox, kept beside the mailbox rather
/// than in every mailbox element (a field there would make every message of
/// every actor 8 bytes larger, a size class up for small payloads).
class metered_mailbox {
public:
  explicit metered_mailbox(const actor_metrics& shared) noexcept : shared_(shared) {}

  const actor_metrics& shared() const noexcept { return shared_; }

  /// A sender is about to push `x` (before the push, so that the receiver
  /// finds the stamp when it takes `x`).
  void stamp(const mailbox_element* x, int64_t now_ns);
  /// The mailbox refused `x`, stamped before.
  void refused(const mailbox_element* x);
  /// The receiver took `x` to handle it: its enqueue time, or -1 if it was
  /// not stamped (it arrived before the actor was metered, or is a skipped
  /// message coming back).
  int64_t take(const mailbox_element* x);
  /// The elements of `chain` leave unhandled (the actor exits).
  void forget(const mailbox_element* chain);

private:
  const actor_metrics& shared_;
  std::mutex mtx_;
  // Enqueue times (steady clock, ns) by element; guarded by mtx_. An entry
  // goes when its element is taken, refused or forgotten, before the
  // element is freed, so an address reused later is never mistaken.
  std::unordered_map<const mailbox_element*, int64_t> stamps_;
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
