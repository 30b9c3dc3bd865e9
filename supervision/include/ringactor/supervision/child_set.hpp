// ringactor supervision: the engine behind supervisors and pools. It keeps
// an ordered set of children for one owning actor, links them, and decides
// on their exits per restart type, strategy, intensity and backoff.
// Every member function runs in the owner's thread (inside its handlers).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <ringactor/scheduled_actor.hpp>

#include "ringactor/supervision/child_spec.hpp"
#include "ringactor/supervision/errors.hpp"
#include "ringactor/supervision/strategy.hpp"

namespace ringactor::supervision {

/// A timer event of a supervisor or pool (sent to itself).
struct child_timer {
  uint64_t token;
};

class child_set {
public:
  struct child {
    uint64_t id;
    child_spec spec;
    strong_actor_ptr handle; ///< null while the child is not running
    bool stopping = false;   ///< we asked (or are about to ask) it to exit
    /// remove() was called: it goes once its turn comes and is never
    /// restarted (nor started again by a sibling's restart) meanwhile.
    bool removing = false;
    uint64_t starts = 0; ///< how often it was started
  };

  /// A child (re)started: index and handle.
  using started_fn = std::function<void(const child&)>;
  /// A child exited (before any restart decision): the old handle, the reason.
  using exited_fn = std::function<void(const child&, const strong_actor_ptr&, const error&)>;
  /// The set gave up (restart intensity exceeded) and stopped all children.
  using give_up_fn = std::function<void(const error&)>;

  child_set(scheduled_actor* self, strategy strat);

  /// Names the set in the supervision metrics (detail/supervision_metrics.hpp):
  /// `owner` is the supervisor label; `child_label`, when not empty, the
  /// child label of every child (a pool's "worker"), else each child's name.
  void name_metrics(std::string owner, std::string child_label = {}) {
    metrics_owner_ = std::move(owner);
    metrics_child_ = std::move(child_label);
  }

  void on_started(started_fn f) { started_ = std::move(f); }
  void on_exited(exited_fn f) { exited_ = std::move(f); }
  void on_give_up(give_up_fn f) { give_up_ = std::move(f); }

  /// What add() does with a child whose first start fails.
  enum class first_start {
    /// Drop it: add() fails and the set is as before (a supervisor's
    /// children, a pool's resize: the caller hears of it).
    refuse,
    /// Keep it, down, and start it again as if it had died alone (its
    /// siblings never depended on it, whatever the strategy): restart
    /// intensity and backoff apply, and the set gives up once they are
    /// exceeded. add() still reports the failed start. A temporary child
    /// is never restarted, so it is dropped as with refuse.
    retry,
  };

  /// Starts a child now and appends it. Fails for a duplicate name, a
  /// factory that throws or returns an invalid handle, or once shutdown()
  /// began; only the failed start of a valid spec is retried, and only with
  /// first_start::retry.
  expected<strong_actor_ptr> add(child_spec spec, first_start on_failure = first_start::refuse);

  /// Children not being removed (running or not).
  size_t kept() const noexcept;

  /// Stops the named child (per its shutdown policy), removes its spec, then
  /// calls `done` (with no_such_child if there is none). From this call on
  /// the child is not restarted: if it dies before its stop, it stays down.
  void remove(std::string_view name, std::function<void(error)> done);

  /// Call from the owner's exit handler. True if `m` came from a child.
  bool handle_exit(const exit_msg& m);

  /// Call from the owner's child_timer handler.
  void handle_timer(uint64_t token);

  /// Stops every child in reverse start order, then calls `done`. No
  /// restarts happen afterwards. A second call calls its `done` once the
  /// children of the first one stopped.
  void shutdown(std::function<void()> done);

  const std::vector<child>& children() const noexcept { return children_; }
  size_t running() const noexcept;
  uint64_t restarts() const noexcept { return restarts_total_; }
  bool shutting_down() const noexcept { return shutting_down_; }

private:
  using task = std::function<void(std::function<void()> next)>;

  child* find(uint64_t id);
  std::optional<size_t> index_of(uint64_t id) const;
  bool start(child& c);
  void stop_one(uint64_t id, std::function<void()> done);
  void on_stop_timeout(uint64_t id);
  void stop_many(std::vector<uint64_t> ids, std::function<void()> done);
  void restart_after_failure(uint64_t id, const error& reason, std::function<void()> next);
  void restart_now(uint64_t id, std::function<void()> next);
  void restart_missing(std::vector<uint64_t> ids);
  bool record_restart();
  timespan backoff_delay();
  void give_up();
  uint64_t set_timer(timespan delay, std::function<void()> f);
  void enqueue_task(task t, bool front = false);
  void run_next_task();
  const strategy& strat() const noexcept { return strategy_; }

  scheduled_actor* self_;
  strategy strategy_;
  std::vector<child> children_;
  uint64_t last_id_ = 0;
  uint64_t last_token_ = 0;
  std::unordered_map<uint64_t, std::function<void()>> timers_;
  std::deque<task> tasks_;
  bool busy_ = false;
  bool shutting_down_ = false;
  // Set once shutdown() stopped every child; until then, further shutdown()
  // requests wait here for the first one to complete.
  bool shutdown_complete_ = false;
  std::vector<std::function<void()>> shutdown_waiters_;
  // The child whose exit a stop is waiting for.
  struct pending_stop {
    uint64_t id;
    uint64_t timer;
    bool killed;
    std::function<void()> done;
  };
  std::optional<pending_stop> stop_;
  std::deque<std::chrono::steady_clock::time_point> recent_restarts_;
  uint64_t restarts_total_ = 0;
  std::string metrics_owner_ = "supervisor";
  std::string metrics_child_;
  std::minstd_rand rng_{std::random_device{}()};
  started_fn started_;
  exited_fn exited_;
  give_up_fn give_up_;
};

} // namespace ringactor::supervision
