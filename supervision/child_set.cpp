#include "ringactor/supervision/child_set.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include <ringactor/actor_system.hpp>
#include <ringactor/logger.hpp>

#include "ringactor/supervision/detail/supervision_metrics.hpp"

namespace ringactor::supervision {

namespace {

// How long a stop waits after `kill` before it gives the child up for lost
// (a handler that never returns cannot be killed).
constexpr auto kill_grace = std::chrono::seconds{2};

bool is_abnormal(const error& reason) {
  return reason && reason != exit_reason::user_shutdown && reason != exit_reason::normal;
}

template <class F>
auto with_params(const strategy& s, F f) {
  return std::visit([&](const auto& x) { return f(x.max_restarts, x.within, x.backoff); }, s);
}

} // namespace

child_set::child_set(scheduled_actor* self, strategy strat)
  : self_(self), strategy_(std::move(strat)) {
  detail::restarts_family(self_->system());
  detail::escalations_family(self_->system());
}

// -- bookkeeping ----------------------------------------------------------------------

child_set::child* child_set::find(uint64_t id) {
  auto i = index_of(id);
  return i ? &children_[*i] : nullptr;
}

std::optional<size_t> child_set::index_of(uint64_t id) const {
  for (size_t i = 0; i < children_.size(); ++i)
    if (children_[i].id == id)
      return i;
  return std::nullopt;
}

size_t child_set::running() const noexcept {
  return static_cast<size_t>(std::count_if(children_.begin(), children_.end(),
                                           [](auto& c) { return c.handle != nullptr; }));
}

uint64_t child_set::set_timer(timespan delay, std::function<void()> f) {
  auto token = ++last_token_;
  timers_.emplace(token, std::move(f));
  self_->delayed_send(self_, delay, child_timer{token});
  return token;
}

void child_set::handle_timer(uint64_t token) {
  auto i = timers_.find(token);
  if (i == timers_.end())
    return; // cancelled
  auto f = std::move(i->second);
  timers_.erase(i);
  f();
}

void child_set::enqueue_task(task t, bool front) {
  if (front)
    tasks_.push_front(std::move(t));
  else
    tasks_.push_back(std::move(t));
  run_next_task();
}

void child_set::run_next_task() {
  if (busy_ || tasks_.empty())
    return;
  busy_ = true;
  auto t = std::move(tasks_.front());
  tasks_.pop_front();
  t([this] {
    busy_ = false;
    run_next_task();
  });
}

// -- starting -----------------------------------------------------------------------------

bool child_set::start(child& c) {
  strong_actor_ptr handle;
  try {
    handle = c.spec.start(self_->system());
  } catch (const std::exception& ex) {
    log_warn("supervisor {}: child {} failed to start: {}", self_->id(), c.spec.name, ex.what());
  } catch (...) {
    log_warn("supervisor {}: child {} failed to start", self_->id(), c.spec.name);
  }
  if (!handle)
    return false;
  c.handle = handle;
  ++c.starts;
  // Link after recording the handle: a child that is already dead sends its
  // exit message at once, and handle_exit must find it.
  self_->link_to(handle);
  if (started_)
    started_(c);
  return true;
}

expected<strong_actor_ptr> child_set::add(child_spec spec, first_start on_failure) {
  if (!spec.start)
    return error{supervision_error::child_start_failed, spec.name + ": no factory"};
  // Its stop order is fixed already: a child started now would outlive us.
  if (shutting_down_)
    return error{supervision_error::child_start_failed, spec.name + ": shutting down"};
  auto dup = std::any_of(children_.begin(), children_.end(),
                         [&](auto& c) { return c.spec.name == spec.name; });
  if (dup)
    return error{supervision_error::duplicate_child, spec.name};
  children_.push_back(child{++last_id_, std::move(spec), nullptr, false, false, 0});
  auto& c = children_.back();
  if (!start(c)) {
    auto name = c.spec.name;
    if (on_failure == first_start::retry && c.spec.restart != restart_type::temporary) {
      auto id = c.id;
      enqueue_task([this, id](std::function<void()> next) {
        restart_after_failure(id, error{supervision_error::child_start_failed}, next);
      });
    } else {
      children_.pop_back();
    }
    return error{supervision_error::child_start_failed, name};
  }
  return c.handle;
}

size_t child_set::kept() const noexcept {
  return static_cast<size_t>(std::count_if(children_.begin(), children_.end(),
                                           [](auto& c) { return !c.removing; }));
}

// -- stopping -----------------------------------------------------------------------------

void child_set::stop_one(uint64_t id, std::function<void()> done) {
  auto c = find(id);
  if (c == nullptr || !c->handle) {
    done();
    return;
  }
  c->stopping = true;
  auto brutal = c->spec.shutdown.brutal;
  self_->send_exit(c->handle,
                   brutal ? error{exit_reason::kill} : error{exit_reason::user_shutdown});
  auto wait = brutal ? timespan{kill_grace} : c->spec.shutdown.wait;
  auto timer = set_timer(wait, [this, id] { on_stop_timeout(id); });
  stop_ = pending_stop{id, timer, brutal, std::move(done)};
}

void child_set::on_stop_timeout(uint64_t id) {
  if (!stop_ || stop_->id != id)
    return;
  auto c = find(id);
  if (!stop_->killed && c != nullptr && c->handle) {
    log_warn("supervisor {}: child {} did not stop in time; killing it", self_->id(), c->spec.name);
    stop_->killed = true;
    self_->send_exit(c->handle, exit_reason::kill);
    stop_->timer = set_timer(kill_grace, [this, id] { on_stop_timeout(id); });
    return;
  }
  if (c != nullptr && c->handle) {
    log_error("supervisor {}: child {} ignores kill (stuck in a handler); giving it up",
              self_->id(), c->spec.name);
    c->handle = nullptr;
    c->stopping = false;
  }
  auto d = std::move(stop_->done);
  stop_.reset();
  d();
}

void child_set::stop_many(std::vector<uint64_t> ids, std::function<void()> done) {
  if (ids.empty()) {
    done();
    return;
  }
  auto id = ids.front();
  ids.erase(ids.begin());
  stop_one(id, [this, ids = std::move(ids), done = std::move(done)]() mutable {
    stop_many(std::move(ids), std::move(done));
  });
}

void child_set::remove(std::string_view name, std::function<void(error)> done) {
  auto i = std::find_if(children_.begin(), children_.end(),
                        [&](auto& c) { return c.spec.name == name; });
  if (i == children_.end()) {
    done(error{supervision_error::no_such_child, std::string{name}});
    return;
  }
  auto id = i->id;
  // Marked now, not when the stop's turn comes: a restart already queued
  // (the child died while other work was under way) must not bring back a
  // child that is going.
  i->removing = true;
  enqueue_task([this, id, done = std::move(done)](std::function<void()> next) mutable {
    stop_one(id, [this, id, done = std::move(done), next = std::move(next)] {
      if (auto idx = index_of(id))
        children_.erase(children_.begin() + static_cast<ptrdiff_t>(*idx));
      done(error{});
      next();
    });
  });
}

void child_set::shutdown(std::function<void()> done) {
  if (shutting_down_) {
    // Asked again (by a parent and by the system's shutdown, say) while the
    // children still stop: this request completes with the first one.
    if (shutdown_complete_)
      done();
    else
      shutdown_waiters_.push_back(std::move(done));
    return;
  }
  shutting_down_ = true;
  // Pending restarts (backoff timers) are dropped; stop timers stay.
  for (auto i = timers_.begin(); i != timers_.end();) {
    if (stop_ && i->first == stop_->timer)
      ++i;
    else
      i = timers_.erase(i);
  }
  enqueue_task(
    [this, done = std::move(done)](std::function<void()> next) mutable {
      std::vector<uint64_t> ids;
      for (auto i = children_.rbegin(); i != children_.rend(); ++i)
        if (i->handle)
          ids.push_back(i->id);
      stop_many(std::move(ids), [this, done = std::move(done), next = std::move(next)] {
        shutdown_complete_ = true;
        done();
        for (auto& waiter : std::exchange(shutdown_waiters_, {}))
          waiter();
        next();
      });
    },
    true);
}

// -- exits and restarts ---------------------------------------------------------------------

bool child_set::handle_exit(const exit_msg& m) {
  auto i = std::find_if(children_.begin(), children_.end(),
                        [&](auto& c) { return c.handle && c.handle.get() == m.source.get(); });
  if (i == children_.end())
    return false;
  auto& c = *i;
  auto old = std::move(c.handle);
  c.handle = nullptr;
  if (c.stopping) {
    c.stopping = false;
    if (exited_)
      exited_(c, old, m.reason);
    if (stop_ && stop_->id == c.id) {
      timers_.erase(stop_->timer);
      auto d = std::move(stop_->done);
      stop_.reset();
      d();
    }
    return true;
  }
  if (exited_)
    exited_(c, old, m.reason);
  // A child being removed stays down; its removal erases it.
  if (c.removing || shutting_down_ || self_->system().stopping())
    return true;
  auto restart = c.spec.restart;
  if (restart == restart_type::temporary
      || (restart == restart_type::transient && !is_abnormal(m.reason))) {
    if (restart == restart_type::temporary)
      children_.erase(i);
    return true;
  }
  auto id = c.id;
  enqueue_task([this, id, reason = m.reason](std::function<void()> next) {
    restart_after_failure(id, reason, next);
  });
  return true;
}

bool child_set::record_restart() {
  auto [max_restarts, within, unused] = with_params(strategy_, [](auto r, auto w, auto b) {
    return std::tuple{r, w, b};
  });
  auto now = std::chrono::steady_clock::now();
  while (!recent_restarts_.empty() && now - recent_restarts_.front() > within)
    recent_restarts_.pop_front();
  recent_restarts_.push_back(now);
  ++restarts_total_;
  return recent_restarts_.size() <= max_restarts;
}

timespan child_set::backoff_delay() {
  auto b = with_params(strategy_, [](auto, auto, auto bo) { return bo; });
  if (!b)
    return timespan{0};
  auto n = recent_restarts_.empty() ? 1.0 : static_cast<double>(recent_restarts_.size());
  auto base = static_cast<double>(b->initial.count()) * std::pow(b->multiplier, n - 1.0);
  base = std::min(base, static_cast<double>(b->max.count()));
  std::uniform_real_distribution<double> dist{1.0 - b->jitter, 1.0 + b->jitter};
  return timespan{static_cast<int64_t>(base * dist(rng_))};
}

void child_set::give_up() {
  log_warn("supervisor {} ({}): restart intensity exceeded; stopping all children", self_->id(),
           self_->name());
  detail::count_escalation(self_->system(), metrics_owner_);
  shutdown([this] {
    if (give_up_)
      give_up_(error{supervision_error::restart_intensity_exceeded});
  });
}

void child_set::restart_after_failure(uint64_t id, const error& reason,
                                      std::function<void()> next) {
  auto c = find(id);
  if (shutting_down_ || c == nullptr || c->removing) {
    next();
    return;
  }
  if (!record_restart()) {
    next();
    give_up();
    return;
  }
  detail::count_restart(self_->system(), metrics_owner_,
                        metrics_child_.empty() ? c->spec.name : metrics_child_, reason);
  auto delay = backoff_delay();
  if (delay.count() <= 0) {
    restart_now(id, std::move(next));
    return;
  }
  // The delay does not block other work: a timer queues the restart.
  set_timer(delay, [this, id] {
    enqueue_task([this, id](std::function<void()> next) { restart_now(id, std::move(next)); });
  });
  next();
}

void child_set::restart_now(uint64_t id, std::function<void()> next) {
  auto idx = index_of(id);
  if (shutting_down_ || !idx || children_[*idx].removing) {
    next();
    return;
  }
  // In start order, including the failed one. Children being removed are
  // left to their removal: neither stopped nor started again here.
  std::vector<uint64_t> affected;
  // A child that never started (first_start::retry) failed alone: its
  // siblings did not depend on it yet, so they are left running.
  if (std::holds_alternative<one_for_one>(strategy_) || children_[*idx].starts == 0) {
    affected.push_back(id);
  } else {
    auto first = std::holds_alternative<one_for_all>(strategy_) ? size_t{0} : *idx;
    for (size_t i = first; i < children_.size(); ++i)
      if (!children_[i].removing)
        affected.push_back(children_[i].id);
  }
  // Stop the others that still run, in reverse order, then start them all
  // in order. They count as stopping from now on: one that exits on its own
  // before its turn is part of this restart, not a new failure (as in
  // Erlang/OTP, where stopping a child consumes its exit).
  std::vector<uint64_t> to_stop;
  for (auto i = affected.rbegin(); i != affected.rend(); ++i) {
    if (auto c = find(*i); c != nullptr && c->handle) {
      c->stopping = true;
      to_stop.push_back(*i);
    }
  }
  stop_many(std::move(to_stop), [this, affected, next = std::move(next)] {
    restart_missing(affected);
    next();
  });
}

void child_set::restart_missing(std::vector<uint64_t> ids) {
  for (auto id : ids) {
    if (shutting_down_)
      return;
    auto c = find(id);
    if (c == nullptr || c->handle || c->removing)
      continue;
    if (c->spec.restart == restart_type::temporary) {
      // Stopped because a sibling failed: a temporary child is never
      // restarted, whatever the strategy, and its spec goes (Erlang/OTP).
      children_.erase(children_.begin() + static_cast<ptrdiff_t>(*index_of(id)));
      continue;
    }
    if (!start(*c)) {
      // A failed start counts as a failure of that child.
      enqueue_task([this, id](std::function<void()> next) {
        restart_after_failure(id, error{supervision_error::child_start_failed}, next);
      });
    }
  }
}

} // namespace ringactor::supervision
