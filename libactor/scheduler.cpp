#include "scheduler.hpp"

#include <chrono>

#include "ringactor/detail/small_pool.hpp"
#include "ringactor/logger.hpp"

namespace ringactor::detail {

namespace {

thread_local worker* current_worker = nullptr;
// The job a worker runs now (for log lines: which actor wrote them).
// initial-exec: written twice per run, so no __tls_get_addr call.
[[gnu::tls_model("initial-exec")]] thread_local resumable* current_job = nullptr;

uint64_t xorshift(uint64_t& state) noexcept {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}

// How many picks of runnext in a row before the run queue gets a turn, so
// two actors ping-ponging cannot starve the others on this worker.
constexpr unsigned max_runnext_streak = 64;

// A thief takes a victim's runnext job only after it saw the same job there
// this long (the owner is busy with something long, e.g. a heavy handler).
constexpr auto runnext_steal_delay = std::chrono::microseconds{20};

// A thief takes the oldest job of another worker's queue only when that
// worker would not get to it for this long at the rate it runs jobs (a
// backlog: long handlers, or more work than one core does), measured over a
// window of at least backlog_window. A queue that its owner keeps draining
// is actors talking to each other: moving one of them to another core puts
// a cache-line transfer on each of their messages (chameneos ran 1.9x
// slower on two workers than on one when thieves took any queued job).
constexpr auto steal_backlog_delay = std::chrono::microseconds{50};
constexpr auto backlog_window = std::chrono::microseconds{5};

// A worker that parks while another worker runs jobs parks for this long
// only, then takes a runnext job that has not moved (its owner is stuck in
// a long handler). The owner never has to wake it: a message chain that
// sets runnext on every hop makes no wake-up call at all. An idle system
// (every worker parked) parks without a timeout.
constexpr auto runnext_watch_period = std::chrono::milliseconds{1};

// The owner takes the back of its queue (the oldest job) on every this-many-th
// pick instead of the front (the newest), so a worker that keeps waking new
// actors cannot starve an old one (Go's scheduler checks its global queue
// every 61 ticks for the same reason). Each such pick starts another part of
// a spawn tree beside the one being walked, and that part's waiting parents
// stay alive: at 61, fib(27) had about 3,100 actors alive at once (RSS above
// CAF's); at 1,024, about 350 (CAF: 46). A job at the back waits at most
// this many picks of jobs run ahead of it.
constexpr unsigned fair_pick_interval = 1024;

} // namespace

// -- worker -----------------------------------------------------------------------

worker::worker(scheduler& parent, size_t index)
  : parent(parent),
    index(index),
    rng_state(0x9E3779B97F4A7C15ull * (index + 1)),
    spin_budget(parent.idle_spin_) {}

void worker::push(resumable* job) {
  {
    std::lock_guard guard{queue_lock};
    queue.push_back(job);
    queue_size.store(queue.size(), std::memory_order_seq_cst);
  }
}

void worker::push_front(resumable* job) {
  {
    std::lock_guard guard{queue_lock};
    queue.push_front(job);
    queue_size.store(queue.size(), std::memory_order_seq_cst);
  }
}

resumable* worker::pop() {
  if (queue_size.load(std::memory_order_relaxed) == 0)
    return nullptr;
  std::lock_guard guard{queue_lock};
  if (queue.empty())
    return nullptr;
  resumable* job = nullptr;
  if (++picks_since_fair >= fair_pick_interval) {
    picks_since_fair = 0;
    job = queue.back();
    queue.pop_back();
  } else {
    job = queue.front();
    queue.pop_front();
  }
  queue_size.store(queue.size(), std::memory_order_seq_cst);
  return job;
}

resumable* worker::steal() {
  if (queue_size.load(std::memory_order_relaxed) == 0)
    return nullptr;
  std::lock_guard guard{queue_lock};
  if (queue.empty())
    return nullptr;
  auto job = queue.back();
  queue.pop_back();
  queue_size.store(queue.size(), std::memory_order_seq_cst);
  return job;
}

// -- scheduler ----------------------------------------------------------------------

scheduler::scheduler(const actor_system_config& cfg)
  : max_throughput_(cfg.max_throughput), idle_spin_(cfg.idle_spin), idle_yield_(cfg.idle_yield) {
  auto n = cfg.workers > 0 ? cfg.workers : 1;
  workers_.reserve(n);
  for (size_t i = 0; i < n; ++i)
    workers_.push_back(std::make_unique<worker>(*this, i));
  for (auto& w : workers_)
    w->watches.resize(n);
}

scheduler::~scheduler() {
  // Jobs still queued hold a reference each.
  for (auto& w : workers_) {
    if (w->exited.load(std::memory_order_acquire) || !w->thread.joinable()) {
      if (auto job = w->runnext.exchange(nullptr))
        job->deref_resumable();
      while (auto job = w->steal())
        job->deref_resumable();
    }
  }
}

void scheduler::start(std::shared_ptr<void> keep_alive) {
  for (auto& w : workers_) {
    w->thread = std::thread{[this, keep_alive, wp = w.get()] {
      run(*wp);
      {
        std::lock_guard guard{exit_mtx_};
        // Release pairs with the acquire load in stop().
        wp->exited.store(true, std::memory_order_release);
      }
      exit_cv_.notify_all();
    }};
  }
}

resumable* running_job() noexcept {
  return current_job;
}

worker* scheduler::this_worker() const noexcept {
  auto w = current_worker;
  return w != nullptr && &w->parent == this ? w : nullptr;
}

void scheduler::schedule(resumable* job) {
  job->ref_resumable();
  if (auto self = this_worker()) {
    worker_counters::bump(self->runnext_seq);
    // seq_cst: pairs with the sleepers_ increment in wait_for_job, which
    // then reads every runnext slot (see wake_for_runnext).
    if (auto prev = self->runnext.exchange(job, std::memory_order_seq_cst)) {
      self->push_front(prev);
      notify_if_sleeping();
    } else {
      wake_for_runnext();
    }
    return;
  }
  auto idx = round_robin_.fetch_add(1, std::memory_order_relaxed) % workers_.size();
  auto& target = *workers_[idx];
  target.push(job);
  // A parked worker's queue is drained by nobody: wake a worker even while
  // another watches (the watcher would look only within its period). The
  // one woken is this one, or another that takes the job from this idle
  // worker at once (steal_backlog). A spinner takes it the same way.
  if (target.parked.load(std::memory_order_seq_cst)) {
    if (spinning_.fetch_add(0, std::memory_order_seq_cst) == 0)
      signal_one();
    return;
  }
  notify_if_sleeping();
}

void scheduler::notify_if_sleeping() {
  // A spinning worker will find the job: no wake-up call (Go's scheduler
  // does the same). Dekker with the spinner: we stored queue_size (seq_cst)
  // and read spinning_; it decrements spinning_ (seq_cst) before it parks
  // and then reads queue_size (any_work): one of the two sees the other's
  // write. A spinner that leaves with other work still queued wakes a
  // sleeper itself (spinning_guard::hand_off).
  if (spinning_.fetch_add(0, std::memory_order_seq_cst) > 0)
    return;
  // A worker in a timed park (others were busy when it parked) looks at the
  // queues within runnext_watch_period. Not waking it keeps actors that
  // talk to each other on the busy worker (a job that waits there for less
  // than the period runs where it was scheduled), and keeps a thread that
  // is not a worker (a producer sending from main) from being preempted by
  // a woken worker on every send when there are fewer cores than threads.
  // Relaxed: a stale count costs one needless signal or one period.
  if (watchers_.load(std::memory_order_relaxed) > 0)
    return;
  // Dekker with the parking worker: we stored queue_size (seq_cst) and now
  // read sleepers_; the worker incremented sleepers_ (seq_cst) and then
  // reads queue_size. One of the two sees the other's write. The reads are
  // RMWs (not a fence plus a load) so that ThreadSanitizer can model them.
  if (sleepers_.fetch_add(0, std::memory_order_seq_cst) > 0)
    signal_one();
}

void scheduler::wake_for_runnext() {
  // The runnext job waits until the current one yields; if that one runs
  // long (a heavy handler), only a spinning worker can take it over. Keep
  // one worker spinning while others sleep, as Go's scheduler does: one
  // wake-up at a time, and none while a worker already spins.
  // A worker that parked after this job's slot was set watches it (timed
  // park, see wait_for_job); one that parked before did not see it, so the
  // sleepers_ load is seq_cst, pairing with the parking worker's increment:
  // either it sees this runnext job or this load sees it sleeping.
  if (spinning_.load(std::memory_order_relaxed) > 0 || watchers_.load(std::memory_order_relaxed) > 0
      || sleepers_.load(std::memory_order_seq_cst) == 0)
    return;
  // The limit, enforced: at most one such wake-up outstanding. In a message
  // chain nearly every hop finds the other worker parked, and it is still
  // counted as a sleeper while it wakes up: a signal per hop (mutex, futex)
  // is pure waste. Parking and woken workers clear the flag (see
  // wait_for_job), so a later hop can wake them again.
  if (runnext_wake_pending_.exchange(true, std::memory_order_relaxed))
    return;
  signal_one();
}

void scheduler::signal_one() {
  wakeups_.fetch_add(1, std::memory_order_relaxed);
  // Taking the mutex orders this signal after a parking worker's check
  // (it holds the mutex from its check until it waits). The signal itself
  // comes after the unlock, so that the woken worker does not block at
  // once on the mutex this thread still holds.
  { std::lock_guard guard{park_mtx_}; }
  park_cv_.notify_one();
}

bool scheduler::any_work() const noexcept {
  for (auto& w : workers_)
    if (w->queue_size.load(std::memory_order_seq_cst) > 0)
      return true;
  return false;
}

resumable* scheduler::next_job(worker& self) {
  if (self.runnext_streak < max_runnext_streak
      || self.queue_size.load(std::memory_order_relaxed) == 0) {
    if (auto job = self.runnext.exchange(nullptr, std::memory_order_acq_rel)) {
      ++self.runnext_streak;
      return job;
    }
  }
  self.runnext_streak = 0;
  if (auto job = self.pop())
    return job;
  return self.runnext.exchange(nullptr, std::memory_order_acq_rel);
}

template <class F>
resumable* scheduler::each_victim(worker& self, F&& f) {
  auto n = workers_.size();
  if (n < 2)
    return nullptr;
  auto start = static_cast<size_t>(xorshift(self.rng_state) % n);
  for (size_t i = 0; i < n; ++i) {
    auto& victim = *workers_[(start + i) % n];
    if (&victim == &self)
      continue;
    if (auto job = f(victim))
      return job;
  }
  return nullptr;
}

resumable* scheduler::take_oldest(worker& self, worker& victim) {
  auto job = victim.steal();
  if (job != nullptr)
    worker_counters::bump(self.counters.steals);
  return job;
}

resumable* scheduler::steal_backlog(worker& self, const std::chrono::steady_clock::time_point* now,
                                    bool* undecided) {
  return each_victim(self, [&](worker& victim) -> resumable* {
    auto& watch = self.watches[victim.index];
    auto queued = victim.queue_size.load(std::memory_order_relaxed);
    if (queued == 0) {
      watch.since = {};
      return nullptr;
    }
    // A victim that looks for work or parks runs nothing: its queue came
    // from outside the workers (or it is about to take it itself; either
    // way it is no chain that one worker runs well).
    if (victim.idle.load(std::memory_order_relaxed))
      return take_oldest(self, victim);
    if (now == nullptr)
      return nullptr;
    // The victim's resumes are read at window ends only: its counters'
    // line is written on every job, and a thief that read it on every poll
    // would take it away from the victim each time.
    auto resumes = victim.counters.resumes.load(std::memory_order_relaxed);
    if (watch.since == std::chrono::steady_clock::time_point{}) {
      watch = {resumes, *now};
      *undecided = true;
      return nullptr;
    }
    auto elapsed = *now - watch.since;
    if (elapsed < backlog_window) {
      *undecided = true;
      return nullptr;
    }
    // The time the victim needs for its queue at the rate it ran jobs in
    // the window: a victim stuck in one handler ran none, and its queue
    // waits forever.
    auto ran = resumes - watch.resumes;
    auto drain = ran == 0 ? std::chrono::steady_clock::duration::max()
                          : elapsed * static_cast<int64_t>(queued) / static_cast<int64_t>(ran);
    watch = {resumes, *now};
    return drain < steal_backlog_delay ? nullptr : take_oldest(self, victim);
  });
}

resumable* scheduler::steal_runnext(worker& self) {
  // Runnext jobs of a worker that is stuck in a long handler.
  return each_victim(self, [&](worker& victim) -> resumable* {
    auto seen = victim.runnext.load(std::memory_order_acquire);
    if (seen == nullptr)
      return nullptr;
    auto seq = victim.runnext_seq.load(std::memory_order_relaxed);
    // Read the clock once per 64 pauses, not per pause (it was a fifth of
    // the samples of a token ring with an idle second worker).
    auto until = std::chrono::steady_clock::now() + runnext_steal_delay;
    for (unsigned spins = 1;; ++spins) {
      cpu_relax();
      if (spins % 64 == 0
          && (std::chrono::steady_clock::now() >= until
              || victim.runnext_seq.load(std::memory_order_relaxed) != seq))
        break;
    }
    if (victim.runnext_seq.load(std::memory_order_relaxed) != seq)
      return nullptr;
    return take_runnext_job(self, victim, seen) ? seen : nullptr;
  });
}

bool scheduler::trim_due() noexcept {
  uint64_t ran = 0;
  for (auto& w : workers_)
    ran += w->counters.messages.load(std::memory_order_relaxed);
  if (ran == messages_at_trim_)
    return false;
  messages_at_trim_ = ran;
  return true;
}

resumable* scheduler::wait_for_job(worker& self) {
  // seq_cst: the decrement pairs with notify_if_sleeping's read (Dekker).
  struct spinning_guard {
    scheduler& sched;
    bool counted = true;
    explicit spinning_guard(scheduler& x) : sched(x) {
      sched.spinning_.fetch_add(1, std::memory_order_seq_cst);
    }
    /// Stops spinning to run a job. Producers skipped their wake-up call
    /// while this worker spun; if it was the last spinner and work is still
    /// queued, that work needs another worker now.
    void hand_off() {
      counted = false;
      if (sched.spinning_.fetch_sub(1, std::memory_order_seq_cst) == 1 && sched.any_work())
        sched.notify_if_sleeping();
    }
    ~spinning_guard() {
      if (counted)
        sched.spinning_.fetch_sub(1, std::memory_order_seq_cst);
    }
  };
  for (;;) {
    {
      // Spin: look for work before giving up the core. The budget adapts
      // (doubles, up to idle_spin, when a spin found work; halves when it
      // timed out), so that a worker sharing a core with the thread it waits
      // for does not hold that core for a whole idle_spin every time.
      spinning_guard spinning{*this};
      auto found = [&](resumable* job) {
        self.spin_budget = std::min<std::chrono::nanoseconds>(
          idle_spin_,
          std::max<std::chrono::nanoseconds>(self.spin_budget * 2, std::chrono::microseconds{1}));
        spinning.hand_off();
        return job;
      };
      auto until = std::chrono::steady_clock::now() + self.spin_budget;
      for (unsigned i = 0;; ++i) {
        if (stop_.load(std::memory_order_acquire))
          return nullptr;
        if (auto job = next_job(self))
          return found(job);
        // The clock is read once per 64 polls (a read per poll was a fifth
        // of a token ring's samples with an idle second worker).
        std::chrono::steady_clock::time_point now;
        bool tick = (i & 63) == 63;
        if (tick)
          now = std::chrono::steady_clock::now();
        // A window over a busy worker's queue is seen to its end before
        // this worker parks: parked, it would look again only after
        // runnext_watch_period.
        bool undecided = false;
        if (auto job = steal_backlog(self, tick ? &now : nullptr, &undecided))
          return found(job);
        if (tick && now >= until && !undecided)
          break;
        if (idle_yield_ && i >= idle_pause_polls)
          std::this_thread::yield();
        else
          cpu_relax();
      }
      self.spin_budget /= 2;
      if (auto job = steal_runnext(self)) {
        spinning.hand_off();
        return job;
      }
    }
    // Park.
    runnext_watch watch;
    {
      std::unique_lock guard{park_mtx_};
      auto asleep = sleepers_.fetch_add(1, std::memory_order_seq_cst) + 1;
      self.parked.store(true, std::memory_order_seq_cst);
      // Work queued at busy workers that this one did not steal is no
      // backlog (steal_backlog): their owners run it. This worker parks in
      // a timed watch then, and looks again within runnext_watch_period,
      // rather than spin beside them and read their queues' lines. Work
      // queued at an idle worker is taken: no park.
      bool queued_elsewhere = false;
      bool queued_at_idle = false;
      for (auto& w : workers_) {
        if (w.get() == &self || w->queue_size.load(std::memory_order_seq_cst) == 0)
          continue;
        queued_elsewhere = true;
        queued_at_idle |= w->idle.load(std::memory_order_relaxed);
      }
      if (!stop_.load(std::memory_order_acquire) && !queued_at_idle
          && self.queue_size.load(std::memory_order_seq_cst) == 0
          && self.runnext.load(std::memory_order_acquire) == nullptr) {
        // The last worker to park, after messages ran: what a burst left in
        // the small-block pool goes back to the system, off the hot path and
        // not while another worker is busy (it would walk the pool's depot
        // while that worker still fills it). Outside the lock, not counted
        // as parked (producers must not wait on it, nor signal into a trim);
        // then spin and park again.
        if (asleep == workers_.size() && !queued_elsewhere && trim_due()) {
          self.parked.store(false, std::memory_order_relaxed);
          sleepers_.fetch_sub(1, std::memory_order_seq_cst);
          guard.unlock();
          small_pool_trim_idle();
          continue;
        }
        worker_counters::bump(self.counters.parks);
        // Cleared when a worker enters the wait (a flag left set by a signal
        // that found no waiter must not silence the next one) and when it
        // leaves it (it will spin and look at runnext jobs: the next
        // wake_for_runnext may signal again). Both under park_mtx_, which
        // wake_for_runnext takes to signal.
        runnext_wake_pending_.store(false, std::memory_order_relaxed);
        watch = find_runnext_job(self);
        // A worker that is neither parked nor spinning runs a job; if it
        // sets runnext and then stays long in a handler, only a watcher can
        // take that job over, so watch rather than wait for a signal.
        auto others_busy = workers_.size() > sleepers_.load(std::memory_order_relaxed)
                                               + spinning_.load(std::memory_order_relaxed);
        if (watch.owner != nullptr || others_busy || queued_elsewhere) {
          // Relaxed: a hint for wake_for_runnext (this worker looks at the
          // slot within runnext_watch_period anyway).
          watchers_.fetch_add(1, std::memory_order_relaxed);
          park_cv_.wait_for(guard, runnext_watch_period);
          watchers_.fetch_sub(1, std::memory_order_relaxed);
        } else {
          park_cv_.wait(guard);
        }
        runnext_wake_pending_.store(false, std::memory_order_relaxed);
      }
      self.parked.store(false, std::memory_order_relaxed);
      sleepers_.fetch_sub(1, std::memory_order_seq_cst);
    }
    if (auto job = take_if_unmoved(self, watch))
      return job;
  }
}

scheduler::runnext_watch scheduler::find_runnext_job(worker& self) const noexcept {
  for (auto& w : workers_) {
    if (w.get() == &self)
      continue;
    // seq_cst: pairs with the exchange in schedule (see wake_for_runnext).
    auto seq = w->runnext_seq.load(std::memory_order_relaxed);
    if (auto job = w->runnext.load(std::memory_order_seq_cst))
      return {w.get(), job, seq};
  }
  return {};
}

resumable* scheduler::take_if_unmoved(worker& self, const runnext_watch& watch) {
  if (watch.owner == nullptr
      || watch.owner->runnext_seq.load(std::memory_order_relaxed) != watch.seq)
    return nullptr;
  // The same job has sat in that slot for a whole watch period (or since a
  // signal): its owner is busy with something long. The exchange decides
  // who runs it.
  return take_runnext_job(self, *watch.owner, watch.job) ? watch.job : nullptr;
}

bool scheduler::take_runnext_job(worker& self, worker& victim, resumable* job) {
  auto expected = job;
  if (!victim.runnext.compare_exchange_strong(expected, nullptr, std::memory_order_acq_rel))
    return false;
  worker_counters::bump(self.counters.steals);
  worker_counters::bump(self.counters.runnext_steals);
  return true;
}

void scheduler::execute(worker& self, resumable* job) {
  current_job = job;
  auto result = job->resume(self.counters, max_throughput_);
  current_job = nullptr;
  worker_counters::bump(self.counters.resumes);
  switch (result) {
    case resumable::resume_result::resume_later:
      self.push(job);
      notify_if_sleeping();
      break;
    case resumable::resume_result::awaiting:
    case resumable::resume_result::done: job->deref_resumable(); break;
  }
}

void scheduler::run(worker& self) {
  current_worker = &self;
  for (;;) {
    auto job = next_job(self);
    if (job == nullptr) {
      self.idle.store(true, std::memory_order_relaxed);
      job = wait_for_job(self);
      self.idle.store(false, std::memory_order_relaxed);
      if (job == nullptr)
        break;
    }
    execute(self, job);
  }
  current_worker = nullptr;
}

size_t scheduler::stop(std::chrono::nanoseconds grace) {
  stop_.store(true, std::memory_order_release);
  {
    std::lock_guard guard{park_mtx_};
    park_cv_.notify_all();
  }
  auto deadline = std::chrono::steady_clock::now() + grace;
  size_t detached = 0;
  for (auto& w : workers_) {
    if (!w->thread.joinable())
      continue;
    if (w->thread.get_id() == std::this_thread::get_id()) {
      w->thread.detach(); // shutdown called from inside an actor
      continue;
    }
    std::unique_lock guard{exit_mtx_};
    // Acquire pairs with the release store at the end of the thread.
    auto done = exit_cv_.wait_until(guard, deadline,
                                    [&] { return w->exited.load(std::memory_order_acquire); });
    guard.unlock();
    if (done) {
      w->thread.join();
    } else {
      log_error("worker {} is stuck in a handler; detaching it", w->index);
      w->thread.detach();
      ++detached;
    }
  }
  return detached;
}

} // namespace ringactor::detail
