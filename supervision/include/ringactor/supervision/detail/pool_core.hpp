// ringactor supervision: the untyped engine of a worker pool (pool.hpp):
// its workers, dispatch, waiting queue, the deaths of workers with
// requests in flight, and statistics. Every member function runs in the
// pool's own thread (inside its handlers).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <ringactor/actor_system.hpp>
#include <ringactor/trace_scope.hpp>

#include "ringactor/supervision/child_set.hpp"
#include "ringactor/supervision/detail/pool_health.hpp"
#include "ringactor/supervision/detail/supervision_metrics.hpp"
#include "ringactor/supervision/dispatch.hpp"
#include "ringactor/supervision/errors.hpp"
#include "ringactor/supervision/pool_stats.hpp"
#include "ringactor/supervision/strategy.hpp"

namespace ringactor::supervision::detail {

/// One running instance of a worker (a restart makes a new record).
struct pool_worker {
  uint64_t child_id = 0;
  std::string name;
  strong_actor_ptr handle;
  /// Requests sent to it and not answered yet (also in ringactor_pool_in_flight).
  mirrored_level in_flight;
  uint64_t served = 0;
  bool failed = false; ///< died (or seen dead), or being stopped; never picked again
  /// A request already answered with this instance's death: the request it
  /// was handling when it died (an actor answers that one first, before
  /// the requests still queued in its mailbox). Only that request counts
  /// the death against its re-dispatch limit; the others were bystanders.
  bool death_blamed = false;
  /// Set once the pool saw this instance's exit (its exit message).
  std::optional<error> exit_reason;
  /// Called with the exit reason once it is known (see when_exited()).
  std::vector<std::function<void(const error&)>> exit_waiters;

  /// Calls `f` with this instance's exit reason: now if its exit was seen,
  /// else when it is (a dead worker's reply can overtake its exit message).
  void when_exited(std::function<void(const error&)> f);
};

using pool_worker_ptr = std::shared_ptr<pool_worker>;

/// Names one request to the pool: its requester and its request number
/// (message_id::number()). The requester's address is unique while the pool
/// holds the request: its promise keeps the requester's control block.
struct request_key {
  const abstract_actor* requester = nullptr;
  uint64_t number = 0; ///< 0: not a request (nothing can cancel it)

  friend auto operator<=>(const request_key&, const request_key&) = default;
};

class pool_core;

/// What happened to one request so far, shared by the jobs that carry it
/// from worker to worker.
struct request_history {
  request_history() = default;
  request_history(const request_history&) = delete;
  request_history& operator=(const request_history&) = delete;
  /// Leaves its pool's list of requests on workers (pool_core::track).
  ~request_history();

  /// Who may cancel it, and how (cancel_request).
  request_key key;
  /// Answers the requester with an error (the promise's deliver): a
  /// cancellation answers at once, while a worker may still hold it.
  std::function<void(error)> fail;
  /// The requester cancelled it: a late reply is dropped and a death of its
  /// worker does not send it elsewhere.
  bool cancelled = false;
  /// Times it was sent to another worker after its worker died.
  size_t redispatches = 0;
  /// Deaths of workers that were handling it (pool_worker::death_blamed).
  size_t blamed = 0;
  /// The request's trace context (the pool's handler's when the request came
  /// in): every job of it, re-dispatched ones too, sends to its worker
  /// within this trace, whichever message the pool is handling then.
  trace_context trace = current_trace();
  /// The pool's list of requests a worker holds (pool_core::track): linked
  /// in place, so that tracking a request costs no allocation. Touched in
  /// the pool's own thread only.
  pool_core* tracked_by = nullptr;
  request_history* tracked_prev = nullptr;
  request_history* tracked_next = nullptr;
};

/// A request waiting for, or running on, a worker.
struct pool_job {
  /// Sends the request to `w` (or, for broadcast jobs, to all of `ws`).
  std::function<void(const std::vector<pool_worker_ptr>& ws)> run;
  std::function<void(error)> fail;
  bool to_all = false;
  /// The message was kept (idempotent pool, copyable message): a job whose
  /// worker died may run again elsewhere.
  bool retryable = false;
  /// Shared by every job of the same request (null for broadcast jobs).
  std::shared_ptr<request_history> history;
  uint64_t seq = 0;
  std::chrono::steady_clock::time_point deadline;
};

/// A queued job's waiting time expired.
struct pool_timeout {
  uint64_t seq;
};

struct pool_settings {
  size_t size;
  child_factory factory;
  /// When set, used instead of `factory`: the factory of worker number n.
  std::function<child_factory(size_t)> worker_factory;
  strategy strat;
  dispatch_policy dispatch;
  bool idempotent;
  size_t max_redispatches;
  size_t queue_capacity;
  timespan queue_timeout;
  timespan worker_timeout;
  std::string name;
  size_t min_live_workers;
  /// 0: unlimited (pool::max_in_flight_per_worker).
  size_t max_in_flight_per_worker = 0;
};

/// The untyped part of a pool: workers, dispatch, queueing, statistics.
class pool_core : public std::enable_shared_from_this<pool_core> {
public:
  pool_core(scheduled_actor* self, pool_settings cfg);
  pool_core(const pool_core&) = delete;
  pool_core& operator=(const pool_core&) = delete;
  /// Unlinks the requests still tracked (their histories may outlive it).
  ~pool_core();

  /// Starts the configured number of workers.
  void start();
  /// Runs `job` on a worker now, or queues it.
  void submit(pool_job job, uint64_t hash = 0, bool use_hash = false);
  /// `job`'s worker `w` died with it (`blamed`: it was the request `w` was
  /// handling): runs it on another worker if it is retryable and within
  /// max_redispatches, else fails it with worker_failed, naming the
  /// worker's exit reason.
  void worker_died(const pool_worker_ptr& w, pool_job job, bool blamed);
  void resize(size_t n, std::function<void(error)> done);
  pool_stats stats() const;
  void handle_queue_timeout(uint64_t seq);
  /// The requester of `key` cancelled it (cancel_request): a queued job
  /// leaves the queue, a job on a worker is marked so that its reply is
  /// dropped; either way its promise gets request_cancelled now. Unknown
  /// keys (finished requests, another requester's) are ignored.
  void cancel(request_key key);
  /// A job of the request `h` went to a worker (cancel() may find it there).
  void track(request_history& h) noexcept;
  /// The worker answered a job of the request `h` (or died with it).
  void untrack(request_history& h) noexcept;
  /// A worker's in-flight count went down (a reply, an error, a timeout):
  /// under max_in_flight_per_worker, the oldest waiting requests take the
  /// freed slot.
  void slot_freed() {
    if (cfg_.max_in_flight_per_worker != 0 && !queue_.empty())
      drain_queue();
  }
  /// The pool gives up (restart intensity exceeded): readiness says so
  /// until a pool of the same name starts.
  void gave_up(const error& reason) { health_.gave_up(reason); }

  child_set& children() noexcept { return set_; }
  const pool_settings& settings() const noexcept { return cfg_; }
  scheduled_actor* self() const noexcept { return self_; }

  // get_pool_stats's counts, mirrored in the ringactor_pool_* metrics.
  mirrored_count served;
  mirrored_count redispatched;
  mirrored_count failed;
  mirrored_count poisoned;
  mirrored_count unavailable;
  mirrored_count cancelled;

private:
  std::vector<pool_worker_ptr> live() const;
  pool_worker_ptr pick(uint64_t hash, bool use_hash);
  /// Runs `job` now if a worker can take it (any live one for a broadcast
  /// job, a live one under the in-flight limit otherwise); false if not.
  bool try_run(pool_job& job, uint64_t hash, bool use_hash);
  void queue_changed() { queued_.set(queue_.size()); }
  void rebuild_ring();
  void drain_queue();
  /// Tells the readiness probe how many workers are live now.
  void publish_health();
  child_spec worker_spec(size_t index) const;

  scheduled_actor* self_;
  pool_settings cfg_;
  child_set set_;
  // Current instance per child id.
  std::vector<pool_worker_ptr> workers_;
  size_t cursor_ = 0;
  size_t next_index_ = 0;
  std::deque<std::pair<pool_job, std::pair<uint64_t, bool>>> queue_;
  // Requests a worker holds now that a requester could cancel (number != 0),
  // newest first: an intrusive list through request_history (cancel() walks
  // it; a cancellation is rare, a dispatch is not).
  request_history* on_workers_ = nullptr;
  uint64_t last_seq_ = 0;
  std::vector<std::pair<uint64_t, uint64_t>> ring_; // (point, child id)
  pool_health health_;
  pool_metrics metrics_;
  mirrored_level queued_;
  mirrored_level live_workers_;
};

/// True if an error answered by worker `w` is the worker's death rather
/// than its answer: whatever its code, an error from a worker that is
/// exiting or whose exit the pool saw. An actor that dies answers the
/// requests it leaves with dead_receiver or with its exit reason
/// (unhandled_exception, kill, a kernel's kernel_fault, ...); a kernel
/// worker answers so only once it began to exit. Any error from a live
/// worker, dead_receiver or kernel_fault included (passed on from an actor
/// behind it), is its answer and goes to the requester: taking the worker
/// for dead would exclude it from dispatch for good, as no exit of it ever
/// comes to bring it back.
inline bool is_worker_failure(const pool_worker& w, const error&) {
  return w.exit_reason.has_value() || !w.handle || w.handle->is_exiting();
}

} // namespace ringactor::supervision::detail
