// ringactor supervision: a pool's readiness probe (detail/pool_health.hpp).
#include "ringactor/supervision/detail/pool_health.hpp"

#include <fmt/format.h>

namespace ringactor::supervision::detail {

pool_health::pool_health(health_registry& registry, std::string name, size_t min_live)
  : registry_(registry), state_(std::make_shared<state>()) {
  state_->name = std::move(name);
  state_->min_live = min_live;
  // A predecessor of the same name that gave up is replaced by this pool.
  registry_.remove("pool." + state_->name);
  probe_ = registry_.add(health_kind::readiness,
                         [s = state_](std::vector<component_health>& out) { s->report(out); });
}

void pool_health::publish(size_t live, size_t size) noexcept {
  state_->live.store(live, std::memory_order_relaxed);
  state_->size.store(size, std::memory_order_relaxed);
}

void pool_health::gave_up(const error& reason) {
  probe_.reset();
  registry_.put(health_kind::readiness, "pool." + state_->name,
                [component = "pool." + state_->name,
                 why = fmt::format("the pool gave up and exited: {}",
                                   reason)](std::vector<component_health>& out) {
                  out.push_back({component, false, why});
                });
}

void pool_health::state::report(std::vector<component_health>& out) const {
  auto n = live.load(std::memory_order_relaxed);
  auto of = size.load(std::memory_order_relaxed);
  component_health c{"pool." + name, n >= min_live, {}};
  c.reason = fmt::format("{} of {} workers live (at least {} needed)", n, of, min_live);
  out.push_back(std::move(c));
}

} // namespace ringactor::supervision::detail
