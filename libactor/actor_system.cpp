#include "ringactor/actor_system.hpp"

#include <algorithm>

#include "ringactor/logger.hpp"
#include "ringactor/system_messages.hpp"
#include "metrics/runtime_metrics.hpp"
#include "scheduler_health.hpp"
#include "system_core.hpp"

namespace ringactor {

actor_system::actor_system(actor_system_config cfg)
  : core_(std::make_shared<detail::system_core>(std::move(cfg))) {
  core_->owner = this;
#if RINGACTOR_HAS_JSON
  core_->topics.emplace(*this);
#endif
  core_->runtime_metrics = detail::register_runtime_metrics(*core_);
  core_->timer.start();
  core_->sched.start(core_);
  core_->health.put(health_kind::liveness, "ringactor.scheduler",
                    detail::scheduler_liveness_probe(core_->sched,
                                                     core_->cfg.worker_stall_timeout));
}

actor_system::~actor_system() {
  shutdown();
}

bool actor_system::stopping() const noexcept {
  return core_->stopping.load(std::memory_order_acquire);
}

void actor_system::check_not_shut_down(const char* what_spawned) const {
  if (stopping())
    throw system_shut_down{what_spawned};
}

void actor_system::await_all_actors_done() {
  core_->registry.await_empty();
}

metrics::registry& actor_system::metrics() noexcept {
  return core_->metrics;
}

named_actor_registry& actor_system::registry() noexcept {
  return core_->names;
}

health_registry& actor_system::health() noexcept {
  return core_->health;
}

const actor_system_config& actor_system::config() const noexcept {
  return core_->cfg;
}

actor actor_system::find_actor(actor_id id) const {
  return actor{core_->registry.find(id)};
}

actor system_ref::find_actor(actor_id id) const {
  // The lock keeps the registry alive while it is searched, even if the
  // system is being destroyed meanwhile (then it holds no actor).
  if (auto core = core_.lock())
    return actor{core->registry.find(id)};
  return actor{};
}

std::shared_ptr<metrics::registry> system_ref::metrics() const {
  // Aliasing: the pointer shares ownership of the whole core, which owns
  // the registry.
  if (auto core = core_.lock())
    return {core, &core->metrics};
  return nullptr;
}

system_stats actor_system::stats() const {
  system_stats result;
  result.actors_alive = core_->registry.size();
  result.actors_spawned = core_->spawned.load(std::memory_order_relaxed);
  auto& sched = core_->sched;
  for (size_t i = 0; i < sched.num_workers(); ++i) {
    auto& c = sched.worker_at(i).counters;
    result.messages_processed += c.messages.load(std::memory_order_relaxed);
    result.steals += c.steals.load(std::memory_order_relaxed);
    result.parks += c.parks.load(std::memory_order_relaxed);
    result.runnext_steals += c.runnext_steals.load(std::memory_order_relaxed);
  }
  result.wakeups = sched.wakeups();
  result.callback_requests_waiting = core_->deadlines.size();
  return result;
}

namespace {

void send_shutdown(const std::vector<strong_actor_ptr>& actors, const error& reason) {
  for (auto& x : actors)
    x->enqueue(make_mailbox_element(nullptr, message_id::urgent(), exit_msg{{}, reason}));
}

} // namespace

shutdown_report actor_system::shutdown() {
  return shutdown(core_->cfg.shutdown_grace);
}

shutdown_report actor_system::shutdown(std::chrono::nanoseconds grace) {
  shutdown_report report;
  if (core_->shut_down)
    return report;
  core_->shut_down = true;
  // Release pairs with the acquire loads in spawn paths.
  core_->stopping.store(true, std::memory_order_release);
  using clock = std::chrono::steady_clock;
  send_shutdown(core_->registry.snapshot(), exit_reason::user_shutdown);
  if (!core_->registry.await_empty(clock::now() + grace)) {
    auto rest = core_->registry.snapshot();
    for (auto& x : rest) {
      report.stragglers.push_back({x->id(), x->name()});
      log_warn("shutdown: actor {} ({}) did not exit within {} ms; killing it", x->id(), x->name(),
               std::chrono::duration_cast<std::chrono::milliseconds>(grace).count());
    }
    send_shutdown(rest, exit_reason::kill);
    rest.clear();
    auto kill_grace = std::min<clock::duration>(grace, std::chrono::milliseconds{200});
    core_->registry.await_empty(clock::now() + kill_grace);
  }
  // The named registry's references would keep stragglers' memory (and a
  // never-terminated actor's state) until the system is destroyed.
  core_->names.clear();
#if RINGACTOR_HAS_JSON
  // Its topics hold their publishing actors' handles, as `names` does.
  core_->topics->clear();
#endif
  // Callback requests still waiting have no actor left to answer them.
  core_->deadlines.fail_all(error{sec::dead_receiver, "the actor system shut down"});
  core_->timer.stop();
  auto worker_grace = report.clean() ? std::chrono::nanoseconds{std::chrono::seconds{10}}
                                     : std::chrono::nanoseconds{std::chrono::milliseconds{200}};
  auto detached = core_->sched.stop(worker_grace);
  if (detached > 0)
    log_warn("shutdown: {} worker thread(s) left running in a handler that never returned",
             detached);
  return report;
}

} // namespace ringactor
