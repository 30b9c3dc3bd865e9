// ringactor supervision (internal): a pool's readiness probe. The pool
// actor publishes how many workers are live; the probe (health.hpp) reads
// it from the checking thread. A pool that gave up leaves its failure in
// the registry (key "pool.<name>") until a pool of the same name starts.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>

#include <ringactor/error.hpp>
#include <ringactor/health.hpp>

namespace ringactor::supervision::detail {

class pool_health {
public:
  /// Registers the probe of pool `name` that needs `min_live` live workers.
  pool_health(health_registry& registry, std::string name, size_t min_live);

  pool_health(const pool_health&) = delete;
  pool_health& operator=(const pool_health&) = delete;

  /// The pool actor: `live` of `size` workers can take requests now.
  void publish(size_t live, size_t size) noexcept;

  /// The pool gave up (restart intensity): readiness keeps saying so after
  /// the pool is gone, naming `reason`.
  void gave_up(const error& reason);

private:
  struct state {
    std::string name;
    size_t min_live;
    // Written by the pool actor, read by probes (relaxed: each is a
    // figure on its own; a check that sees one newer than the other is
    // as good as one taken a moment later).
    std::atomic<size_t> live{0};
    std::atomic<size_t> size{0};
    void report(std::vector<component_health>& out) const;
  };
  health_registry& registry_;
  std::shared_ptr<state> state_;
  health_registry::handle probe_;
};

} // namespace ringactor::supervision::detail
