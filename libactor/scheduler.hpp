// ringactor (internal): the work-stealing scheduler.
//
// One worker thread per configured core. Each worker has
//   - a `runnext` slot: an actor woken by the actor running on this worker
//     runs next here (cache locality; ping-pong stays on one core), and
//   - a run queue guarded by a spin lock. Its front is LIFO for the owner:
//     an actor woken here that displaces the runnext one puts that one at
//     the front, so a spawn tree is walked depth first and only O(depth)
//     actors are alive at once (CAF and Go do the same). Jobs from other
//     threads and jobs that used up their throughput go to the back, and
//     every `fair_pick_interval`-th pick takes the back, so none starves.
// An idle worker steals the oldest entry (the back) of a random victim's
// queue (O(1)) when that queue is a backlog, not one its owner keeps
// draining (scheduler::steal_backlog),
// or a victim's runnext entry that has sat there unchanged for a while,
// spins for `idle_spin`, then parks on a condition variable. Producers wake
// a parked worker only when they put work into a queue (Dekker pairing on
// `sleepers_`, see notify_if_sleeping).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "ringactor/actor_system_config.hpp"
#include "ringactor/detail/spin_lock.hpp"
#include "ringactor/resumable.hpp"

namespace ringactor::detail {

/// How a request ended, as its requester's handler saw it (the label
/// `outcome` of ringactor_requests_total).
enum class request_outcome : uint8_t {
  value,
  error,
  timeout,
  dead_receiver,
  unexpected_message,
  broken_promise,
};
inline constexpr size_t request_outcomes = 6;

/// Written by its worker only (relaxed load + store, no locked RMW); read
/// by stats() and the runtime's metrics collector from any thread.
struct alignas(64) worker_counters {
  std::atomic<uint64_t> messages{0};
  std::atomic<uint64_t> steals{0};
  std::atomic<uint64_t> parks{0};
  std::atomic<uint64_t> runnext_steals{0};
  /// Jobs this worker ran to the end of a run (liveness: a worker stuck in
  /// one handler stops counting).
  std::atomic<uint64_t> resumes{0};
  // Requests completed by actors on this worker, by request_outcome.
  std::atomic<uint64_t> requests[request_outcomes];
  // Messages actors on this worker sent that a closed mailbox refused.
  std::atomic<uint64_t> rejected{0};

  static void bump(std::atomic<uint64_t>& x, uint64_t n = 1) noexcept {
    x.store(x.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
};

class scheduler;

/// The job the calling worker thread runs now; nullptr on other threads.
resumable* running_job() noexcept;

class worker {
public:
  worker(scheduler& parent, size_t index);

  scheduler& parent;
  size_t index;
  std::thread thread;
  worker_counters counters;

  // -- runnext ---------------------------------------------------------------
  // Set and taken by the owner with exchange; a thief may exchange it away
  // after seeing the same (pointer, sequence) twice, spin_observe_ apart.
  std::atomic<resumable*> runnext{nullptr};
  // Incremented by the owner each time it sets runnext (relaxed: thieves
  // use it only as a hint; the exchange decides who owns the job).
  std::atomic<uint64_t> runnext_seq{0};
  unsigned runnext_streak = 0;

  // -- run queue --------------------------------------------------------------
  spin_lock queue_lock;
  std::deque<resumable*> queue; // guarded by queue_lock
  // Mirrors queue.size() for lock-free emptiness checks; seq_cst, pairs
  // with the sleepers_ counter (see scheduler::notify_if_sleeping).
  std::atomic<size_t> queue_size{0};

  uint64_t rng_state;
  // How long this worker spins before parking (owner only; see wait_for_job).
  std::chrono::nanoseconds spin_budget;
  // Set while the worker looks for work or parks (owner writes, relaxed;
  // read by the liveness probe, which needs no ordering with the queues).
  std::atomic<bool> idle{false};
  // Set (seq_cst) right after the owner counts itself in sleepers_ to park,
  // before it looks at its own queue; cleared when it leaves the wait. A
  // producer outside the workers that pushed into this queue reads it
  // (seq_cst, Dekker with queue_size): either the owner sees the job or the
  // producer sees it parking and signals (see schedule).
  std::atomic<bool> parked{false};
  // Set when the thread function returns (release); shutdown waits for it.
  std::atomic<bool> exited{false};

  /// The fair end: jobs from other threads and jobs that yielded.
  void push(resumable* job);
  /// The owner's LIFO end: jobs this worker just displaced from runnext.
  void push_front(resumable* job);
  /// Owner: the front, except every fair_pick_interval-th pick takes the back.
  resumable* pop();
  /// Thieves: the back (the oldest work, the root side of a spawn tree).
  resumable* steal();

  // Picks from the run queue since the last fair pick (owner only).
  unsigned picks_since_fair = 0;

  /// A thief's view of one victim's run queue (owner of the thief only): a
  /// window over which it counts the victim's resumes, to tell a backlog
  /// from a queue the victim keeps draining (scheduler::steal_backlog).
  struct backlog_watch {
    uint64_t resumes = 0;                          ///< the victim's resumes when the window opened
    std::chrono::steady_clock::time_point since{}; ///< epoch: no window open
  };
  std::vector<backlog_watch> watches; // one per worker, by index
};

class scheduler {
public:
  explicit scheduler(const actor_system_config& cfg);
  ~scheduler();

  /// Starts the worker threads. `keep_alive` is held by each thread so that
  /// a thread detached at shutdown never outlives the state it uses.
  void start(std::shared_ptr<void> keep_alive);

  /// Makes `job` runnable (takes a reference). Thread-safe.
  void schedule(resumable* job);

  /// Stops the workers: waits up to `grace` for each to return, detaches
  /// the ones stuck in a handler. Returns how many were detached.
  size_t stop(std::chrono::nanoseconds grace);

  size_t num_workers() const noexcept { return workers_.size(); }
  const worker& worker_at(size_t i) const noexcept { return *workers_[i]; }

  /// The worker running on this thread, if it belongs to this scheduler.
  worker* this_worker() const noexcept;

  /// Signals sent to parked workers so far.
  uint64_t wakeups() const noexcept { return wakeups_.load(std::memory_order_relaxed); }

private:
  friend class worker;
  void run(worker& self);
  resumable* next_job(worker& self);
  /// Takes the oldest job of a victim whose queue is a backlog: one it would
  /// not drain within steal_backlog_delay at the rate it ran jobs over the
  /// thief's last window. `now` is a fresh clock reading, or nullptr between
  /// readings (no window opens or closes then); `*undecided` becomes true
  /// while a window is open and not yet long enough. A queue its owner keeps
  /// draining (actors that talk to each other) stays where it is.
  resumable* steal_backlog(worker& self, const std::chrono::steady_clock::time_point* now,
                           bool* undecided);
  /// A victim's runnext job that sat unchanged for runnext_steal_delay.
  resumable* steal_runnext(worker& self);
  /// Calls `f(victim)` for every other worker, from a random one on, until
  /// one returns a job.
  template <class F>
  resumable* each_victim(worker& self, F&& f);
  /// Takes the oldest job of `victim`'s queue and counts the steal.
  resumable* take_oldest(worker& self, worker& victim);
  resumable* wait_for_job(worker& self);
  void execute(worker& self, resumable* job);
  void notify_if_sleeping();
  void wake_for_runnext();
  /// Wakes one parked worker.
  void signal_one();
  bool any_work() const noexcept;
  // Whether messages ran since the last trim of the small-block pool (and
  // notes that one is due now); under park_mtx_.
  bool trim_due() noexcept;

  /// A job seen in another worker's runnext slot when this one parked.
  struct runnext_watch {
    worker* owner = nullptr;
    resumable* job = nullptr;
    uint64_t seq = 0;
  };
  runnext_watch find_runnext_job(worker& self) const noexcept;
  /// Takes the watched job if it is still in its slot, unmoved.
  resumable* take_if_unmoved(worker& self, const runnext_watch& watch);
  /// Takes `job` out of `victim`'s runnext slot if it is still there (the
  /// exchange decides who runs it) and counts the steal.
  bool take_runnext_job(worker& self, worker& victim, resumable* job);

  size_t max_throughput_;
  std::chrono::nanoseconds idle_spin_;
  // actor_system_config::idle_yield: spin polls past the first
  // idle_pause_polls yield the core.
  bool idle_yield_;
  static constexpr unsigned idle_pause_polls = 64;
  std::vector<std::unique_ptr<worker>> workers_;
  std::atomic<bool> stop_{false};
  std::atomic<size_t> round_robin_{0};
  // Parked workers; seq_cst, pairs with queue_size (Dekker).
  std::atomic<size_t> sleepers_{0};
  // Workers spinning for work. seq_cst: producers skip their wake-up call
  // while one spins (Dekker with queue_size, see notify_if_sleeping).
  std::atomic<size_t> spinning_{0};
  // Workers in a timed park, watching a runnext job (relaxed: a hint for
  // wake_for_runnext).
  std::atomic<size_t> watchers_{0};
  // Signals sent to parked workers (relaxed: statistics).
  std::atomic<uint64_t> wakeups_{0};
  // Set by wake_for_runnext when it signals, cleared under park_mtx_ by a
  // worker leaving the wait (relaxed: the mutex orders the set, which
  // happens under it, with the clear; a stale read costs one extra or one
  // skipped signal while a woken worker is about to look at runnext jobs).
  std::atomic<bool> runnext_wake_pending_{false};
  std::mutex park_mtx_;
  std::condition_variable park_cv_;
  // Messages run by all workers when the last worker to park trimmed the
  // small-block pool (guarded by park_mtx_; see wait_for_job).
  uint64_t messages_at_trim_ = 0;
  std::mutex exit_mtx_;
  std::condition_variable exit_cv_;
};

} // namespace ringactor::detail
