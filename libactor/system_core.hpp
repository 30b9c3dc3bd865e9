// ringactor (internal): the state behind an actor_system. Worker threads
// hold it by shared_ptr so that a worker detached at shutdown (stuck in a
// handler) never runs on freed memory.
#pragma once

#include <atomic>
#include <memory>

#include "actor_registry.hpp"
#include "ringactor/actor_system_config.hpp"
#include "ringactor/health.hpp"
#include "ringactor/named_actor_registry.hpp"
#include "scheduler.hpp"
#include "timer_service.hpp"

namespace ringactor {
class actor_system;
} // namespace ringactor

namespace ringactor::detail {

struct system_core {
  explicit system_core(actor_system_config config) : cfg(std::move(config)), sched(cfg) {}

  actor_system_config cfg;
  actor_system* owner = nullptr;
  std::atomic<uint64_t> spawned{0};
  // Set once shutdown starts (release); read by spawn paths (acquire).
  std::atomic<bool> stopping{false};
  bool shut_down = false;
  actor_registry registry;
  // Cleared by shutdown(); declared after `registry`, so destroyed before it.
  named_actor_registry names;
  // Declared before the scheduler, whose probe it holds.
  health_registry health;
  timer_service timer;
  scheduler sched;
};

} // namespace ringactor::detail
