#include "workers.hpp"

#include <stdexcept>

namespace pipeline {

namespace {

scorer::behavior_type host_scorer(scorer::pointer, std::shared_ptr<fault_plan> plan) {
  return {[plan](order o) -> scored {
    if (plan->take()) {
      plan->fired.fetch_add(1, std::memory_order_relaxed);
      throw std::runtime_error("injected fault");
    }
    return score(o);
  }};
}

} // namespace

ringactor::expected<backend_choice> choose_backend(const std::string& requested) {
  if (requested == "auto" || requested == "host")
    return backend_choice{"host", "host actors", "cpu (host threads)"};
  return ringactor::error{ringactor::sec::invalid_argument,
                          "backend '" + requested + "' is not available in this build"};
}

scorer make_worker(ringactor::actor_system& sys, const backend_choice&,
                   std::shared_ptr<fault_plan> plan) {
  return sys.spawn(host_scorer, std::move(plan));
}

} // namespace pipeline
