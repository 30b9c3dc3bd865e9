#include "ringactor/supervision/pool.hpp"

#include <algorithm>

#include <fmt/format.h>

#include <ringactor/logger.hpp>

namespace ringactor::supervision::detail {

void pool_worker::when_exited(std::function<void(const error&)> f) {
  if (exit_reason)
    f(*exit_reason);
  else
    exit_waiters.push_back(std::move(f));
}

pool_core::pool_core(scheduled_actor* self, pool_settings cfg)
  : self_(self),
    cfg_(std::move(cfg)),
    set_(self, cfg_.strat),
    health_(self->system().health(), cfg_.name, cfg_.min_live_workers),
    metrics_(pool_metrics::of(self->system(), cfg_.name)) {
  served.bind(metrics_.served);
  redispatched.bind(metrics_.redispatched);
  failed.bind(metrics_.worker_failed);
  poisoned.bind(metrics_.poisoned);
  unavailable.bind(metrics_.unavailable);
  cancelled.bind(metrics_.cancelled);
  queued_.bind(metrics_.queued);
  live_workers_.bind(metrics_.live_workers);
  set_.name_metrics(cfg_.name, "worker");
  set_.on_started([this](const child_set::child& c) {
    auto w = std::make_shared<pool_worker>();
    w->in_flight.bind(metrics_.in_flight);
    w->child_id = c.id;
    w->name = c.spec.name;
    w->handle = c.handle;
    auto i = std::find_if(workers_.begin(), workers_.end(),
                          [&](auto& x) { return x->child_id == c.id; });
    if (i != workers_.end())
      *i = std::move(w);
    else
      workers_.push_back(std::move(w));
    rebuild_ring();
    publish_health();
    drain_queue();
  });
  set_.on_exited([this](const child_set::child& c, const strong_actor_ptr& old,
                        const error& reason) {
    for (auto& w : workers_) {
      if (w->child_id != c.id)
        continue;
      w->failed = true;
      if (w->handle != old || w->exit_reason)
        continue;
      w->exit_reason = reason;
      // Requests that failed with this worker before its exit message came.
      auto waiters = std::move(w->exit_waiters);
      for (auto& f : waiters)
        f(reason);
    }
    publish_health();
  });
}

void pool_core::publish_health() {
  auto n = live().size();
  live_workers_.set(n);
  health_.publish(n, set_.children().size());
}

child_spec pool_core::worker_spec(size_t index) const {
  return child_spec{cfg_.name + "-worker-" + std::to_string(index),
                    cfg_.worker_factory ? cfg_.worker_factory(index) : cfg_.factory,
                    restart_type::permanent, shutdown_policy::timeout(std::chrono::seconds{5})};
}

void pool_core::start() {
  // A worker that fails to start keeps its place and is started again as
  // after a crash (intensity, backoff): the pool reaches its size once the
  // factory works again (a device that was busy, say), or gives up and
  // exits with restart_intensity_exceeded, as a supervisor would.
  for (size_t i = 0; i < cfg_.size && !set_.shutting_down(); ++i) {
    auto started = set_.add(worker_spec(next_index_++), child_set::first_start::retry);
    if (!started)
      log_warn("pool {}: a worker failed to start: {}; it is retried", cfg_.name, started.error());
  }
}

std::vector<pool_worker_ptr> pool_core::live() const {
  // A worker the set is stopping (a restart of its siblings, a removal) is
  // not live: what it gets now would only bounce back as worker_failed.
  std::vector<uint64_t> stopping;
  for (auto& c : set_.children())
    if (c.stopping)
      stopping.push_back(c.id);
  std::vector<pool_worker_ptr> result;
  for (auto& w : workers_)
    if (!w->failed && w->handle
        && std::find(stopping.begin(), stopping.end(), w->child_id) == stopping.end())
      result.push_back(w);
  return result;
}

void pool_core::rebuild_ring() {
  auto nodes = std::get_if<consistent_hash>(&cfg_.dispatch);
  if (nodes == nullptr)
    return;
  ring_.clear();
  for (auto& c : set_.children()) {
    auto base = std::hash<std::string>{}(c.spec.name);
    for (size_t v = 0; v < nodes->virtual_nodes; ++v)
      ring_.emplace_back(mix64(base + v * 0x9E3779B97F4A7C15ull), c.id);
  }
  std::sort(ring_.begin(), ring_.end());
}

pool_worker_ptr pool_core::pick(uint64_t hash, bool use_hash) {
  auto ws = live();
  if (auto limit = cfg_.max_in_flight_per_worker; limit != 0)
    std::erase_if(ws, [limit](auto& w) { return w->in_flight >= limit; });
  if (ws.empty())
    return nullptr;
  if (use_hash && !ring_.empty()) {
    auto start = std::lower_bound(ring_.begin(), ring_.end(), std::pair{hash, uint64_t{0}});
    for (size_t n = 0; n < ring_.size(); ++n) {
      auto i = (static_cast<size_t>(start - ring_.begin()) + n) % ring_.size();
      auto id = ring_[i].second;
      for (auto& w : ws)
        if (w->child_id == id)
          return w;
    }
    return ws.front();
  }
  if (std::holds_alternative<least_loaded>(cfg_.dispatch)) {
    auto offset = cursor_++;
    pool_worker_ptr best;
    for (size_t n = 0; n < ws.size(); ++n) {
      auto& w = ws[(offset + n) % ws.size()];
      if (!best || w->in_flight < best->in_flight)
        best = w;
    }
    return best;
  }
  return ws[cursor_++ % ws.size()];
}

bool pool_core::try_run(pool_job& job, uint64_t hash, bool use_hash) {
  if (job.to_all) {
    // Broadcast and all_of bypass max_in_flight_per_worker (pool.hpp).
    auto ws = live();
    if (ws.empty())
      return false;
    job.run(ws);
    return true;
  }
  auto w = pick(hash, use_hash);
  if (!w)
    return false;
  job.run({w});
  return true;
}

void pool_core::submit(pool_job job, uint64_t hash, bool use_hash) {
  // While requests wait for a free slot, a new one waits behind them
  // (FIFO). Without a limit the queue only holds requests while no worker
  // is live, so the check changes nothing there.
  bool behind_waiting = cfg_.max_in_flight_per_worker != 0 && !job.to_all && !queue_.empty();
  if (!behind_waiting && try_run(job, hash, use_hash))
    return;
  // No live worker (or none with a free slot): wait for one, boundedly.
  if (queue_.size() >= cfg_.queue_capacity) {
    ++unavailable;
    job.fail(error{supervision_error::pool_unavailable, "the pool's waiting queue is full"});
    return;
  }
  job.seq = ++last_seq_;
  job.deadline = std::chrono::steady_clock::now() + cfg_.queue_timeout;
  self_->delayed_send(self_, cfg_.queue_timeout, pool_timeout{job.seq});
  queue_.emplace_back(std::move(job), std::pair{hash, use_hash});
  queue_changed();
}

void pool_core::drain_queue() {
  // Oldest first; the first that finds no worker stops the drain, so none
  // overtakes it (FIFO).
  while (!queue_.empty()) {
    auto entry = std::move(queue_.front());
    queue_.pop_front();
    if (!try_run(entry.first, entry.second.first, entry.second.second)) {
      queue_.push_front(std::move(entry));
      break;
    }
  }
  queue_changed();
}

void pool_core::handle_queue_timeout(uint64_t seq) {
  auto i = std::find_if(queue_.begin(), queue_.end(),
                        [seq](auto& x) { return x.first.seq == seq; });
  if (i == queue_.end())
    return; // it found a worker in time
  auto job = std::move(i->first);
  queue_.erase(i);
  queue_changed();
  ++unavailable;
  job.fail(error{supervision_error::pool_unavailable,
                 live().empty() ? "no worker became live in time"
                                : "no worker had a free slot (max_in_flight_per_worker) in time"});
}

request_history::~request_history() {
  if (tracked_by != nullptr)
    tracked_by->untrack(*this);
}

pool_core::~pool_core() {
  while (on_workers_ != nullptr)
    untrack(*on_workers_);
}

void pool_core::track(request_history& h) noexcept {
  if (h.key.number == 0 || h.tracked_by != nullptr)
    return;
  h.tracked_by = this;
  h.tracked_prev = nullptr;
  h.tracked_next = on_workers_;
  if (on_workers_ != nullptr)
    on_workers_->tracked_prev = &h;
  on_workers_ = &h;
}

void pool_core::untrack(request_history& h) noexcept {
  if (h.tracked_by != this)
    return;
  (h.tracked_prev != nullptr ? h.tracked_prev->tracked_next : on_workers_) = h.tracked_next;
  if (h.tracked_next != nullptr)
    h.tracked_next->tracked_prev = h.tracked_prev;
  h.tracked_by = nullptr;
  h.tracked_prev = h.tracked_next = nullptr;
}

void pool_core::cancel(request_key key) {
  if (key.number == 0)
    return;
  auto i = std::find_if(queue_.begin(), queue_.end(),
                        [&key](auto& x) { return x.first.history && x.first.history->key == key; });
  if (i != queue_.end()) {
    // Waiting for a worker: it leaves the queue and never runs (its queue
    // timeout, when it comes, finds nothing).
    auto job = std::move(i->first);
    queue_.erase(i);
    queue_changed();
    ++cancelled;
    job.history->cancelled = true;
    job.fail(error{supervision_error::request_cancelled, "cancelled while queued"});
    return;
  }
  auto h = on_workers_;
  while (h != nullptr && h->key != key)
    h = h->tracked_next;
  if (h == nullptr)
    return; // finished, never made, or another requester's
  // A worker holds it: no handler or kernel can be stopped mid-message. The
  // job's reply handler drops the reply and lowers the worker's in-flight
  // count when the worker answers (or worker_timeout ends the request).
  untrack(*h);
  h->cancelled = true;
  ++cancelled;
  if (h->fail)
    h->fail(error{supervision_error::request_cancelled, "cancelled while a worker held it"});
}

void pool_core::worker_died(const pool_worker_ptr& w, pool_job job, bool blamed) {
  w->failed = true;
  auto& history = *job.history;
  if (job.retryable) {
    if (blamed)
      ++history.blamed;
    if (history.blamed <= cfg_.max_redispatches) {
      ++history.redispatches;
      ++redispatched;
      submit(std::move(job));
      return;
    }
    ++poisoned;
  }
  ++failed;
  // The answer names the worker's exit reason, which its exit message
  // brings: it may come after this reply.
  w->when_exited([fail = std::move(job.fail), retryable = job.retryable,
                  redispatches = history.redispatches](const error& reason) {
    auto why = to_string(reason);
    fail(error{supervision_error::worker_failed,
               retryable ? fmt::format("request re-dispatched {} times; last worker exited: {}",
                                       redispatches, why)
                         : fmt::format("worker exited: {}", why)});
  });
}

void pool_core::resize(size_t n, std::function<void(error)> done) {
  // Workers an earlier shrink is still stopping do not count: they are
  // going whatever this resize asks.
  auto current = set_.kept();
  if (n >= current) {
    for (size_t i = current; i < n; ++i)
      if (auto started = set_.add(worker_spec(next_index_++)); !started) {
        done(started.error());
        return;
      }
    rebuild_ring();
    done(error{});
    return;
  }
  // Remove from the back; their requests in flight finish or fail per policy.
  // They take no new ones, even while their stop waits behind another's.
  std::vector<std::string> names;
  size_t kept = 0;
  for (auto& c : set_.children()) {
    if (c.removing || ++kept <= n)
      continue;
    names.push_back(c.spec.name);
    for (auto& w : workers_)
      if (w->child_id == c.id)
        w->failed = true;
  }
  auto remaining = std::make_shared<size_t>(names.size());
  auto shared_done = std::make_shared<std::function<void(error)>>(std::move(done));
  for (auto& name : names) {
    set_.remove(name, [this, remaining, shared_done](error) {
      if (--*remaining == 0) {
        std::erase_if(workers_, [this](auto& w) {
          return std::none_of(set_.children().begin(), set_.children().end(),
                              [&](auto& c) { return c.id == w->child_id; });
        });
        rebuild_ring();
        (*shared_done)(error{});
      }
    });
  }
}

pool_stats pool_core::stats() const {
  pool_stats result;
  for (auto& c : set_.children()) {
    worker_stats ws;
    ws.name = c.spec.name;
    ws.running = c.handle != nullptr;
    ws.actor = c.handle ? c.handle->id() : 0;
    ws.starts = c.starts;
    for (auto& w : workers_)
      if (w->child_id == c.id) {
        ws.in_flight = w->in_flight;
        ws.served = w->served;
      }
    result.workers.push_back(std::move(ws));
  }
  result.queued = queue_.size();
  result.max_in_flight_per_worker = cfg_.max_in_flight_per_worker;
  result.served = served;
  result.redispatched = redispatched;
  result.failed = failed;
  result.poisoned = poisoned;
  result.unavailable = unavailable;
  result.cancelled = cancelled;
  result.restarts = set_.restarts();
  return result;
}

} // namespace ringactor::supervision::detail
