// ringactor supervision: the jobs a worker pool (pool.hpp) makes of a
// request: one that runs on one worker and follows the request from a dead
// worker to the next, and one that runs on every live worker (broadcast).
#pragma once

#include <algorithm>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include <ringactor/actor_system.hpp>
#include <ringactor/trace_scope.hpp>
#include <ringactor/typed_behavior.hpp>

#include "ringactor/supervision/detail/pool_core.hpp"
#include "ringactor/supervision/errors.hpp"

namespace ringactor::supervision::detail {

template <class M>
M copy_or_move(std::shared_ptr<M>& msg, bool keep) {
  if constexpr (std::is_copy_constructible_v<M>) {
    if (keep)
      return *msg;
  }
  return std::move(*msg);
}

/// Makes the job that sends `msg` to a worker and answers `rp`; `history`
/// follows the request from job to job (a fresh one for a new request).
template <class M, class R>
pool_job make_job(std::shared_ptr<pool_core> core, std::shared_ptr<M> msg,
                  typed_response_promise<R> rp,
                  std::shared_ptr<request_history> history = std::make_shared<request_history>()) {
  using value_type = ringactor::detail::value_or_unit<R>;
  pool_job job;
  auto self = core->self();
  auto keep = core->settings().idempotent && std::is_copy_constructible_v<M>;
  job.retryable = keep;
  job.history = history;
  auto timeout = core->settings().worker_timeout;
  auto weak = std::weak_ptr<pool_core>{core};
  job.fail = [rp](error err) mutable { rp.deliver(std::move(err)); };
  if (!history->fail)
    history->fail = job.fail;
  job.run = [=](const std::vector<pool_worker_ptr>& ws) mutable {
    // A queued job runs while the pool handles another message.
    trace_scope scope{history->trace};
    auto w = ws.front();
    ++w->in_flight;
    if (auto c = weak.lock()) // weak: a queued job must not keep its pool alive
      c->track(*history);
    auto on_value = [w, core = weak, rp, history](value_type& x) mutable {
      --w->in_flight;
      ++w->served;
      auto c = core.lock();
      if (c)
        c->untrack(*history);
      if (!history->cancelled) { // else its promise got request_cancelled
        if (c)
          ++c->served;
        // The response names the worker that did the work as its sender.
        if constexpr (std::is_void_v<R>)
          rp.deliver_from(w->handle);
        else
          rp.deliver_from(w->handle, std::move(x));
      }
      if (c)
        c->slot_freed(); // after the answer: the next request waits no longer
    };
    auto on_error = [w, core = weak, rp, msg, history](const error& err) mutable {
      --w->in_flight;
      auto c = core.lock();
      if (c)
        c->untrack(*history);
      if (history->cancelled) {
        // Dropped, and never sent to another worker. A death still marks
        // the worker (its exit message restarts it).
        if (is_worker_failure(*w, err)) {
          w->failed = true;
          w->death_blamed = true;
        }
      } else if (c && is_worker_failure(*w, err)) {
        // The worker died with this request: a fresh job for the same
        // message, promise and history goes elsewhere (or fails with
        // worker_failed). The first request a dead worker answers is the
        // one it was handling.
        bool blamed = !w->death_blamed;
        w->death_blamed = true;
        c->worker_died(w, make_job<M, R>(c, msg, rp, history), blamed);
      } else {
        rp.deliver(err);
      }
      if (c)
        c->slot_freed();
    };
    auto h = self->request(actor{w->handle}, timeout, copy_or_move(msg, keep));
    if constexpr (std::is_void_v<R>)
      h.then(
        [on_value]() mutable {
          unit_t u;
          on_value(u);
        },
        on_error);
    else
      h.then([on_value](value_type& x) mutable { on_value(x); }, on_error);
  };
  return job;
}

/// Makes the job that sends `msg` to every live worker and collects the
/// answers; `first_only` answers with the first value (broadcast policy).
template <class M, class R, class Promise>
pool_job make_broadcast_job(std::shared_ptr<pool_core> core, std::shared_ptr<M> msg, Promise rp,
                            bool first_only) {
  using value_type = ringactor::detail::value_or_unit<R>;
  pool_job job;
  job.to_all = true;
  auto self = core->self();
  auto timeout = core->settings().worker_timeout;
  auto weak = std::weak_ptr<pool_core>{core};
  auto trace = current_trace();
  job.fail = [rp](error err) mutable { rp.deliver(std::move(err)); };
  job.run = [=](const std::vector<pool_worker_ptr>& ws) mutable {
    trace_scope scope{trace}; // as in make_job
    struct collector {
      std::vector<std::pair<size_t, value_type>> values;
      size_t pending = 0;
      error last_error;
    };
    auto col = std::make_shared<collector>();
    col->pending = ws.size();
    auto finish = [col, rp, first_only]() mutable {
      if (col->values.empty()) {
        rp.deliver(col->last_error ? col->last_error : error{supervision_error::worker_failed});
        return;
      }
      std::sort(col->values.begin(), col->values.end(),
                [](auto& x, auto& y) { return x.first < y.first; });
      if constexpr (std::is_same_v<Promise, typed_response_promise<R>>) {
        if constexpr (std::is_void_v<R>)
          rp.deliver();
        else
          rp.deliver(std::move(col->values.front().second));
      } else {
        std::vector<value_type> out;
        for (auto& v : col->values)
          out.push_back(std::move(v.second));
        rp.deliver(std::move(out));
      }
      (void) first_only;
    };
    for (size_t i = 0; i < ws.size(); ++i) {
      auto w = ws[i];
      ++w->in_flight;
      M copy = *msg;
      auto h = self->request(actor{w->handle}, timeout, std::move(copy));
      auto on_error = [w, col, finish, core = weak](const error& err) mutable {
        --w->in_flight;
        bool died = is_worker_failure(*w, err);
        if (died)
          w->failed = true;
        col->last_error = died ? error{supervision_error::worker_failed} : err;
        if (--col->pending == 0)
          finish();
        if (auto c = core.lock())
          c->slot_freed(); // a broadcast holds a slot while it runs
      };
      auto on_value = [w, col, finish, i, core = weak](value_type& x) mutable {
        --w->in_flight;
        ++w->served;
        if (auto c = core.lock())
          ++c->served;
        col->values.emplace_back(i, std::move(x));
        if (--col->pending == 0)
          finish();
        if (auto c = core.lock())
          c->slot_freed();
      };
      if constexpr (std::is_void_v<R>)
        h.then(
          [on_value]() mutable {
            unit_t u;
            on_value(u);
          },
          on_error);
      else
        h.then([on_value](value_type& x) mutable { on_value(x); }, on_error);
    }
  };
  return job;
}

} // namespace ringactor::supervision::detail
