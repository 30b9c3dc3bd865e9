// ringactor: health as a value. Liveness asks whether the process still
// makes progress (every scheduler worker ran jobs or is idle with nothing
// queued; the kernel completion pollers turn); readiness asks whether it can
// serve (every pool has its minimum of live workers, no kernel is stalled, no
// device is lost). Each layer registers probes where its state lives; a
// check runs them and returns a report with one entry per component:
//
//   auto ready = sys.health().readiness();
//   if (!ready.ok)
//     for (auto& c : ready.components)
//       if (!c.ok)
//         fmt::print("{}: {}\n", c.component, c.reason);
//
// A front (the service edge's /health/live and /health/ready) serves the
// report as it is. Probes run on the caller's thread, one check at a time:
// they read atomics and never block on actors.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ringactor {

/// Which question a probe answers.
enum class health_kind : uint8_t {
  liveness,  ///< restart me if this fails (the process is stuck)
  readiness, ///< send me no traffic while this fails (I cannot serve)
};

/// "liveness" or "readiness".
std::string_view to_string(health_kind kind) noexcept;

/// One component's state: "scheduler.worker.1", "pool.inference",
/// "kernel.counter", "gpu.device.0"...
struct component_health {
  std::string component;
  bool ok = true;
  /// Why it fails, in words (also set when it is ok but worth saying, e.g.
  /// "idle", "3 of 4 workers live").
  std::string reason;
};

/// The answer to one question: ok when every component is.
struct health_report {
  health_kind kind = health_kind::liveness;
  bool ok = true;
  /// Sorted by component name.
  std::vector<component_health> components;

  /// The entry of `component`, or nullptr.
  const component_health* find(std::string_view component) const noexcept;
};

/// The probes of one actor system (actor_system::health()). Thread-safe.
class health_registry {
public:
  /// Appends one entry per component it knows of. Called with the
  /// registry's lock held, one check at a time: a probe may keep state
  /// between checks without a lock of its own, must not block, and must
  /// not add or remove probes.
  using probe = std::function<void(std::vector<component_health>&)>;

  struct impl;

  /// Removes its probe when destroyed (or reset); after that the probe has
  /// returned and is never called again. May outlive the registry.
  class handle {
  public:
    handle() = default;
    handle(handle&& other) noexcept
      : owner_(std::move(other.owner_)), id_(std::exchange(other.id_, 0)) {}
    handle& operator=(handle&& other) noexcept;
    ~handle();
    void reset();
    explicit operator bool() const noexcept { return id_ != 0; }

  private:
    friend class health_registry;
    handle(std::weak_ptr<impl> owner, uint64_t id) noexcept : owner_(std::move(owner)), id_(id) {}
    std::weak_ptr<impl> owner_;
    uint64_t id_ = 0;
  };

  health_registry();
  ~health_registry();
  health_registry(const health_registry&) = delete;
  health_registry& operator=(const health_registry&) = delete;

  /// Registers `fn` for `kind` until the handle goes.
  [[nodiscard]] handle add(health_kind kind, probe fn);

  /// Registers `fn` for `kind` for the life of the registry, replacing an
  /// earlier one registered under the same `key`. For components whose
  /// failure must stay visible after their owner is gone (a pool that gave
  /// up), until a successor with the same key (its restart) replaces it.
  void put(health_kind kind, std::string key, probe fn);

  /// Removes the probe put under `key`, if any.
  void remove(std::string_view key);

  /// Runs every probe of `kind`.
  health_report check(health_kind kind) const;

  health_report liveness() const { return check(health_kind::liveness); }
  health_report readiness() const { return check(health_kind::readiness); }

private:
  std::shared_ptr<impl> impl_;
};

} // namespace ringactor
