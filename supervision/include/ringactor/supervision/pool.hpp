// ringactor supervision: a worker pool is one handle, of the workers' own
// interface, in front of N workers (host actors or kernel actors).
//
//   adder pool = sys.spawn(supervision::pool<adder>{
//       .size = 4,
//       .factory = [](actor_system& s) { return s.spawn(adder_impl); },
//       .strategy = supervision::one_for_one{.max_restarts = 5, .within = 10s},
//       .dispatch = supervision::least_loaded{}});
//
// The pool supervises its workers like a supervisor (strategy, intensity,
// backoff; it exits with restart_intensity_exceeded when it gives up) and
// tracks the requests in flight per worker. When a worker dies, each of its
// requests in flight is sent to a live worker if the pool is `idempotent`,
// else answered with supervision_error::worker_failed. Requests that arrive
// while no worker is live wait in a queue of `queue_capacity` for at most
// `queue_timeout`, then fail with pool_unavailable. Nothing is lost silently.
// A pool that could never serve (no factory, a worker_timeout that is not
// positive) is refused at spawn with std::invalid_argument (validate()). A
// worker whose factory throws when the pool starts keeps its place and is
// started again as if it had crashed (alone, whatever the strategy;
// intensity and backoff apply), so a pool whose workers can never start
// gives up like any supervisor.
//
// Control messages go through the untyped handle (actor_cast<actor>(pool)):
// pool_resize{n} (answered with unit; n counts the workers that stay, so a
// resize while an earlier shrink still stops workers is measured against
// the workers that remain; a worker that fails to start here is an error
// reply) and get_pool_stats{} (pool_stats).
//
// State that belongs to one worker, such as the snapshot store of a kernel
// worker (so that a restarted kernel continues from its own snapshot, not
// from another worker's), comes from `worker_factory`, which gets the
// worker's number: the same number again when that worker is restarted.
//
//   std::vector<std::shared_ptr<kernel_snapshot_store<counter_state>>> stores;
//   for (int i = 0; i < 4; ++i)
//     stores.push_back(kernel_snapshot_store<counter_state>::make());
//   counter_if pool = sys.spawn(supervision::pool<counter_if>{
//       .size = 4,
//       .worker_factory = [stores](actor_system& s, std::size_t worker) {
//         return spawn_kernel<counter_if>(s, kernels::counter{},
//                                         {.snapshots = stores[worker]});
//       }});
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <ringactor/actor_system.hpp>
#include <ringactor/gpu/errors.hpp>
#include <ringactor/typed_behavior.hpp>

#include "ringactor/supervision/child_set.hpp"
#include "ringactor/supervision/dispatch.hpp"
#include "ringactor/supervision/errors.hpp"
#include "ringactor/supervision/strategy.hpp"

namespace ringactor::supervision {

// -- control messages -------------------------------------------------------------

struct pool_resize {
  size_t size;
};

struct get_pool_stats {};

struct worker_stats {
  std::string name;
  bool running = false;
  size_t in_flight = 0;
  uint64_t served = 0;
  uint64_t starts = 0;
};

struct pool_stats {
  std::vector<worker_stats> workers;
  size_t queued = 0;
  uint64_t served = 0;       ///< requests answered with a worker's response
  uint64_t redispatched = 0; ///< requests moved off a dead worker
  uint64_t failed = 0;       ///< requests answered with worker_failed
  uint64_t unavailable = 0;  ///< requests answered with pool_unavailable
  uint64_t restarts = 0;     ///< worker restarts
};

namespace detail {

/// One running instance of a worker (a restart makes a new record).
struct pool_worker {
  uint64_t child_id = 0;
  std::string name;
  strong_actor_ptr handle;
  size_t in_flight = 0;
  uint64_t served = 0;
  bool failed = false; ///< died (or seen dead); never picked again
};

using pool_worker_ptr = std::shared_ptr<pool_worker>;

/// A request waiting for, or running on, a worker.
struct pool_job {
  /// Sends the request to `w` (or, for broadcast jobs, to all of `ws`).
  std::function<void(const std::vector<pool_worker_ptr>& ws)> run;
  std::function<void(error)> fail;
  bool to_all = false;
  /// The message was kept (idempotent pool, copyable message): a job whose
  /// worker died may run again elsewhere.
  bool retryable = false;
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
  size_t queue_capacity;
  timespan queue_timeout;
  timespan worker_timeout;
  std::string name;
};

/// The untyped part of a pool: workers, dispatch, queueing, statistics.
class pool_core : public std::enable_shared_from_this<pool_core> {
public:
  pool_core(scheduled_actor* self, pool_settings cfg);

  /// Starts the configured number of workers.
  void start();
  /// Runs `job` on a worker now, or queues it.
  void submit(pool_job job, uint64_t hash = 0, bool use_hash = false);
  /// A job found its worker dead: run it elsewhere or fail it.
  void worker_died(const pool_worker_ptr& w, pool_job job);
  void resize(size_t n, std::function<void(error)> done);
  pool_stats stats() const;
  void handle_queue_timeout(uint64_t seq);

  child_set& children() noexcept { return set_; }
  const pool_settings& settings() const noexcept { return cfg_; }
  scheduled_actor* self() const noexcept { return self_; }

  uint64_t served = 0;
  uint64_t redispatched = 0;
  uint64_t failed = 0;
  uint64_t unavailable = 0;

private:
  std::vector<pool_worker_ptr> live() const;
  pool_worker_ptr pick(uint64_t hash, bool use_hash);
  void rebuild_ring();
  void drain_queue();
  child_spec worker_spec(size_t index) const;

  scheduled_actor* self_;
  pool_settings cfg_;
  child_set set_;
  // Current instance per child id.
  std::vector<pool_worker_ptr> workers_;
  size_t cursor_ = 0;
  size_t next_index_ = 0;
  std::deque<std::pair<pool_job, std::pair<uint64_t, bool>>> queue_;
  uint64_t last_seq_ = 0;
  std::vector<std::pair<uint64_t, uint64_t>> ring_; // (point, child id)
};

template <class M>
M copy_or_move(std::shared_ptr<M>& msg, bool keep) {
  if constexpr (std::is_copy_constructible_v<M>) {
    if (keep)
      return *msg;
  }
  return std::move(*msg);
}

/// True if a worker's answer says the worker itself died with the request:
/// dead_receiver, kernel_fault or kernel_stalled from a worker that is
/// exiting or gone. A kernel worker answers so only once it exits (its
/// proxy answers the request that faulted the kernel with kernel_fault after
/// it began to exit, and the others with dead_receiver). The same errors
/// from a live worker are its answer, passed on from an actor (a kernel,
/// say) behind it: taking the worker for dead would exclude it from
/// dispatch for good, as no exit of it ever comes to bring it back.
inline bool is_worker_failure(const pool_worker& w, const error& err) {
  if (err != sec::dead_receiver && err != gpu_error::kernel_fault
      && err != gpu_error::kernel_stalled)
    return false;
  return !w.handle || w.handle->is_exiting();
}

/// Makes the job that sends `msg` to a worker and answers `rp`.
template <class M, class R>
pool_job make_job(std::shared_ptr<pool_core> core, std::shared_ptr<M> msg,
                  typed_response_promise<R> rp) {
  using value_type = ringactor::detail::value_or_unit<R>;
  pool_job job;
  auto self = core->self();
  auto keep = core->settings().idempotent && std::is_copy_constructible_v<M>;
  job.retryable = keep;
  auto timeout = core->settings().worker_timeout;
  auto weak = std::weak_ptr<pool_core>{core};
  job.fail = [rp](error err) mutable { rp.deliver(std::move(err)); };
  job.run = [=](const std::vector<pool_worker_ptr>& ws) mutable {
    auto w = ws.front();
    ++w->in_flight;
    auto on_value = [w, core = weak, rp](value_type& x) mutable {
      --w->in_flight;
      ++w->served;
      if (auto c = core.lock())
        ++c->served;
      if constexpr (std::is_void_v<R>)
        rp.deliver();
      else
        rp.deliver(std::move(x));
    };
    auto on_error = [w, core = weak, rp, msg](const error& err) mutable {
      --w->in_flight;
      auto c = core.lock();
      if (c && is_worker_failure(*w, err)) {
        // The worker died with this request: a fresh job for the same
        // message and promise goes elsewhere (or fails with worker_failed).
        c->worker_died(w, make_job<M, R>(c, msg, rp));
        return;
      }
      rp.deliver(err);
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
  job.fail = [rp](error err) mutable { rp.deliver(std::move(err)); };
  job.run = [=](const std::vector<pool_worker_ptr>& ws) mutable {
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
      };
      auto on_value = [w, col, finish, i, core = weak](value_type& x) mutable {
        --w->in_flight;
        ++w->served;
        if (auto c = core.lock())
          ++c->served;
        col->values.emplace_back(i, std::move(x));
        if (--col->pending == 0)
          finish();
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

} // namespace detail

template <class Interface>
struct pool {
  using behavior_type = typename Interface::behavior_type;

  size_t size = 1;
  /// Starts a worker (and restarts one).
  std::function<Interface(actor_system&)> factory = nullptr;
  /// Used instead of `factory` when set: starts worker number `worker` (0,
  /// 1, ... in start order; a worker restarted gets its number again, a
  /// resize that grows the pool adds new numbers and never reuses one).
  std::function<Interface(actor_system&, size_t worker)> worker_factory = nullptr;
  supervision::strategy strategy = one_for_one{};
  dispatch_policy dispatch = round_robin{};
  bool idempotent = false;
  size_t queue_capacity = 1024;
  timespan queue_timeout = std::chrono::seconds{1};
  timespan worker_timeout = std::chrono::seconds{30};
  std::string name = "pool";

  /// Called by spawn before the pool exists (actor_system::spawn): throws
  /// std::invalid_argument, naming the pool, for a pool that could never
  /// serve a request: one with neither `factory` nor `worker_factory` (no
  /// worker could ever start, not even after a resize), or whose
  /// `worker_timeout` is not positive (every request would time out). A
  /// pool of size 0 with a factory is fine: it serves once a resize grew it.
  void validate() const {
    if (!factory && !worker_factory)
      throw std::invalid_argument("pool '" + name
                                  + "': neither factory nor worker_factory is set, so it could "
                                    "never start a worker");
    if (worker_timeout <= timespan::zero())
      throw std::invalid_argument("pool '" + name
                                  + "': worker_timeout must be positive (every request to a "
                                    "worker would time out)");
  }

  behavior_type operator()(typename Interface::pointer self) const {
    return make(self, typename Interface::signatures{});
  }

private:
  template <class... Sigs>
  behavior_type make(typename Interface::pointer self, type_list<Sigs...>) const {
    self->set_name(name);
    child_factory any_worker;
    std::function<child_factory(size_t)> numbered;
    if (worker_factory) {
      numbered = [wf = worker_factory](size_t n) {
        return child_factory{[wf, n](actor_system& s) { return wf(s, n); }};
      };
    } else if (factory) {
      any_worker = child_factory{[fac = factory](actor_system& s) { return fac(s); }};
    }
    auto core = std::make_shared<detail::pool_core>(
      self,
      detail::pool_settings{size, std::move(any_worker), std::move(numbered), strategy, dispatch,
                            idempotent, queue_capacity, queue_timeout, worker_timeout, name});
    core->children().on_give_up([self](const error& reason) { self->quit(reason); });
    self->set_exit_handler([self, core](exit_msg& m) {
      if (core->children().handle_exit(m) || !m.reason)
        return;
      core->children().shutdown([self, reason = m.reason] { self->quit(reason); });
    });
    core->start();
    behavior bhvr{
      forwarder<Sigs>(self, core)...,
      collector<Sigs>(self, core)...,
      [core](child_timer t) { core->children().handle_timer(t.token); },
      [core](detail::pool_timeout t) { core->handle_queue_timeout(t.seq); },
      [self, core](pool_resize r) -> result<void> {
        auto rp = self->template make_response_promise<void>();
        core->resize(r.size, [rp](error err) mutable {
          if (err)
            rp.deliver(std::move(err));
          else
            rp.deliver();
        });
        return rp;
      },
      [core](get_pool_stats) { return core->stats(); },
    };
    return behavior_type::make_unchecked(std::move(bhvr));
  }

  template <class Sig>
  static auto forwarder(typename Interface::pointer self, std::shared_ptr<detail::pool_core> core) {
    using M = typename ringactor::detail::signature_trait<Sig>::message_type;
    using R = typename ringactor::detail::signature_trait<Sig>::response_type;
    return [self, core](M& m) -> result<R> {
      auto rp = self->template make_response_promise<R>();
      auto msg = std::make_shared<M>(std::move(m));
      if (std::holds_alternative<broadcast>(core->settings().dispatch)) {
        if constexpr (std::is_copy_constructible_v<M>) {
          core->submit(detail::make_broadcast_job<M, R>(core, msg, rp, true));
          return rp;
        }
      }
      uint64_t hash = 0;
      bool use_hash = false;
      if constexpr (requires { detail::message_key(*msg); }) {
        if (std::holds_alternative<consistent_hash>(core->settings().dispatch)) {
          hash = detail::message_key(*msg);
          use_hash = true;
        }
      }
      core->submit(detail::make_job<M, R>(core, msg, rp), hash, use_hash);
      return rp;
    };
  }

  template <class Sig>
  static auto collector(typename Interface::pointer self, std::shared_ptr<detail::pool_core> core) {
    using M = typename ringactor::detail::signature_trait<Sig>::message_type;
    using R = typename ringactor::detail::signature_trait<Sig>::response_type;
    using value_type = ringactor::detail::value_or_unit<R>;
    return [self, core](all_of<M>& m) -> result<std::vector<value_type>> {
      auto rp = self->template make_response_promise<std::vector<value_type>>();
      if constexpr (std::is_copy_constructible_v<M>) {
        auto msg = std::make_shared<M>(std::move(m.message));
        core->submit(detail::make_broadcast_job<M, R>(core, msg, rp, false));
      } else {
        rp.deliver(error{sec::invalid_argument, "all_of needs a copyable message"});
      }
      return rp;
    };
  }
};

} // namespace ringactor::supervision
