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
// else answered with supervision_error::worker_failed. A request that
// kills the worker handling it (a poison request) is sent again at most
// `max_redispatches` times, then answered with worker_failed, whose context
// names the last worker's exit reason; the pool keeps serving the others
// (get_pool_stats counts it in `poisoned`). Any error from a worker that is
// exiting is its death; an error from a live worker is its answer and goes
// to the requester. Requests that arrive
// while no worker is live (or, with `max_in_flight_per_worker`, while every
// live worker holds that many) wait in a queue of `queue_capacity` for at
// most `queue_timeout`, then fail with pool_unavailable. Nothing is lost
// silently.
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
// reply), get_pool_stats{} (pool_stats) and cancel_request{id} (the
// sender's own request `id` is cancelled: pool_stats.hpp says what that
// does to a queued request and to one a worker holds).
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

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <ringactor/actor_system.hpp>
#include <ringactor/typed_behavior.hpp>

#include "ringactor/supervision/child_set.hpp"
#include "ringactor/supervision/detail/pool_core.hpp"
#include "ringactor/supervision/detail/pool_jobs.hpp"
#include "ringactor/supervision/dispatch.hpp"
#include "ringactor/supervision/errors.hpp"
#include "ringactor/supervision/pool_stats.hpp"
#include "ringactor/supervision/strategy.hpp"

namespace ringactor::supervision {

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
  /// Idempotent pools: how often a request is sent to another worker after
  /// a worker died handling it. The next such death answers it with
  /// worker_failed ("request re-dispatched N times; last worker exited:
  /// <reason>"), so one poison request cannot restart workers without end
  /// and bring the pool down. A request that was merely queued at a worker
  /// that died (not the one it was handling) moves on without using this.
  size_t max_redispatches = 2;
  /// Requests that may wait in the pool's queue (for a live worker, or for
  /// a free slot under max_in_flight_per_worker); one more is refused with
  /// pool_unavailable ("the pool's waiting queue is full").
  size_t queue_capacity = 1024;
  /// How long a request may wait in that queue, counted from when it
  /// entered it (whatever it waits for), before it fails with
  /// pool_unavailable.
  timespan queue_timeout = std::chrono::seconds{1};
  /// Requests one worker may hold at a time (0: unlimited, the default).
  /// A request that finds every live worker at the limit waits in the
  /// pool's queue (queue_capacity, queue_timeout), not in a worker's
  /// mailbox or ring, so a cancel_request still takes it back and it never
  /// runs. Each reply, worker timeout or worker death that frees a slot,
  /// and each worker (re)start, dispatches the waiting requests oldest
  /// first, by `dispatch`; while any wait, a new request waits behind
  /// them (FIFO). consistent_hash skips a worker at the limit as it skips
  /// a dead one (the key's next worker on the ring with a free slot).
  /// Broadcast and all_of requests bypass the limit: they go to every live
  /// worker at once (counted in its in-flight) and never wait for a slot.
  size_t max_in_flight_per_worker = 0;
  timespan worker_timeout = std::chrono::seconds{30};
  std::string name = "pool";
  /// Readiness (actor_system::health()): the pool is ready while at least
  /// this many workers are live. Its component is "pool.<name>"; a pool
  /// that gave up stays not ready, under its name, until one of the same
  /// name starts.
  size_t min_live_workers = 1;

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
                            idempotent, max_redispatches, queue_capacity, queue_timeout,
                            worker_timeout, name, min_live_workers, max_in_flight_per_worker});
    core->children().on_give_up([self, weak = std::weak_ptr{core}](const error& reason) {
      if (auto c = weak.lock())
        c->gave_up(reason);
      self->quit(reason);
    });
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
      [self, core](cancel_request c) {
        core->cancel({self->current_sender().get(), c.request.number()});
      },
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
      // Who asked, and under which request number (what a cancel_request
      // names; the promise took the request over, the number stays).
      auto history = std::make_shared<detail::request_history>();
      if (auto* e = self->current_element(); e != nullptr && e->mid.number() != 0)
        history->key = {e->sender.get(), e->mid.number()};
      core->submit(detail::make_job<M, R>(core, msg, rp, std::move(history)), hash, use_hash);
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
