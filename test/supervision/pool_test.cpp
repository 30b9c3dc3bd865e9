#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <set>

#include <ringactor/all.hpp>
#include <ringactor/gpu/errors.hpp>
#include <ringactor/supervision/all.hpp>

#include "test_util.hpp"

using namespace ringactor;
using namespace ringactor::supervision;
using namespace std::chrono_literals;
using test_util::eventually;

namespace {

struct work {
  int value;
};
struct whoami {};
struct keyed {
  uint64_t key;
};
struct slow {};
struct pool_crash {};
struct pool_hold {};

using worker_if = typed_actor<result<int>(work), result<actor_id>(whoami), result<actor_id>(keyed),
                              result<void>(slow), result<int>(pool_crash), result<int>(pool_hold)>;

struct gates {
  test_util::gate slow_gate;
  // The first worker that gets `pool_hold` keeps the request unanswered and
  // records its id; later ones answer at once.
  std::atomic<actor_id> holder{0};
};

worker_if::behavior_type worker_impl(worker_if::pointer self, std::shared_ptr<gates> g) {
  return {
    [](work w) { return w.value * 2; },
    [self](whoami) { return self->id(); },
    [self](keyed) { return self->id(); },
    [g](slow) {
      g->slow_gate.mark_entered();
      g->slow_gate.wait();
    },
    [](pool_crash) -> int { throw std::runtime_error("crash"); },
    [self, g](pool_hold) -> result<int> {
      actor_id none = 0;
      if (g->holder.compare_exchange_strong(none, self->id())) {
        auto held = std::make_shared<typed_response_promise<int>>(
          self->make_response_promise<int>());
        // Kept by a behavior that never runs: the promise dies with the actor.
        self->become(keep_behavior, behavior{[held](work w) { return w.value; }});
        return *held;
      }
      return 7;
    },
  };
}

auto factory(std::shared_ptr<gates> g = std::make_shared<gates>()) {
  return [g](actor_system& sys) { return sys.spawn(worker_impl, g); };
}

pool_stats stats_of(scoped_actor& self, const worker_if& p) {
  auto r = self->request(actor_cast<actor>(p), 1s, get_pool_stats{}).get<pool_stats>();
  REQUIRE(r.has_value());
  return *r;
}

} // namespace

TEST_SUITE_BEGIN("supervision");

TEST_CASE("a pool answers with the workers' interface") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  worker_if p = sys.spawn(pool<worker_if>{.size = 3, .factory = factory()});
  CHECK_EQ(self->request(p, 1s, work{21}).get().value(), 42);
  auto st = stats_of(self, p);
  CHECK_EQ(st.workers.size(), 3u);
  CHECK_EQ(st.served, 1u);
}

TEST_CASE("round_robin spreads requests evenly") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  worker_if p = sys.spawn(pool<worker_if>{
    .size = 4, .factory = factory(), .dispatch = round_robin{}});
  std::map<actor_id, int> hits;
  for (int i = 0; i < 400; ++i)
    ++hits[self->request(p, 1s, whoami{}).get().value()];
  CHECK_EQ(hits.size(), 4u);
  for (auto& [id, n] : hits)
    CHECK_EQ(n, 100);
}

TEST_CASE("least_loaded avoids a busy worker") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto g = std::make_shared<gates>();
  worker_if p = sys.spawn(pool<worker_if>{
    .size = 3, .factory = factory(g), .dispatch = least_loaded{}});
  auto busy = self->request(p, 10s, slow{}); // occupies one worker
  REQUIRE(g->slow_gate.wait_entered());
  auto st = stats_of(self, p);
  actor_id busy_worker = 0;
  size_t busy_count = 0;
  for (auto& w : st.workers)
    busy_count += w.in_flight;
  CHECK_EQ(busy_count, 1u);
  std::set<actor_id> seen;
  for (int i = 0; i < 20; ++i)
    seen.insert(self->request(p, 1s, whoami{}).get().value());
  CHECK_EQ(seen.size(), 2u); // only the two idle workers
  (void) busy_worker;
  g->slow_gate.open();
  CHECK(busy.get().has_value());
}

TEST_CASE("broadcast sends to every worker and all_of collects every answer") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  worker_if p = sys.spawn(pool<worker_if>{
    .size = 4, .factory = factory(), .dispatch = broadcast{}});
  CHECK_EQ(self->request(p, 1s, work{5}).get().value(), 10);
  auto all = self->request(actor_cast<actor>(p), 1s, all_of<whoami>{}).get<std::vector<actor_id>>();
  REQUIRE(all.has_value());
  CHECK_EQ(std::set<actor_id>(all->begin(), all->end()).size(), 4u);
  CHECK_GE(stats_of(self, p).served, 8u);
}

TEST_CASE("consistent_hash sends equal keys to the same worker") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  worker_if p = sys.spawn(pool<worker_if>{
    .size = 4, .factory = factory(), .dispatch = consistent_hash{}});
  std::map<uint64_t, actor_id> owner;
  std::set<actor_id> used;
  for (uint64_t k = 0; k < 200; ++k) {
    auto id = self->request(p, 1s, keyed{k}).get().value();
    owner[k] = id;
    used.insert(id);
  }
  CHECK_GE(used.size(), 3u); // keys spread over the workers
  for (uint64_t k = 0; k < 200; ++k)
    CHECK_EQ(self->request(p, 1s, keyed{k}).get().value(), owner[k]);
}

TEST_CASE("a worker that dies with requests in flight fails them with worker_failed") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  worker_if p = sys.spawn(pool<worker_if>{.size = 1, .factory = factory()});
  auto r = self->request(p, 5s, pool_crash{}).get();
  REQUIRE_FALSE(r.has_value());
  CHECK_EQ(r.error(), supervision_error::worker_failed);
  // The worker is restarted and serves again.
  CHECK(eventually([&] {
    auto x = self->request(p, 1s, work{1}).get();
    return x.has_value() && *x == 2;
  }));
  auto st = stats_of(self, p);
  CHECK_EQ(st.restarts, 1u);
  CHECK_EQ(st.failed, 1u);
}

TEST_CASE("an idempotent pool re-dispatches the requests of a dead worker") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto g = std::make_shared<gates>();
  worker_if p = sys.spawn(pool<worker_if>{.size = 2, .factory = factory(g), .idempotent = true});
  auto all = self->request(actor_cast<actor>(p), 1s, all_of<whoami>{}).get<std::vector<actor_id>>();
  REQUIRE_EQ(all->size(), 2u);
  auto held = self->request(p, 10s, pool_hold{});
  REQUIRE(eventually([&] { return g->holder.load() != 0; }));
  // Kill the worker holding the request: the pool moves it to the other one.
  auto holder = g->holder.load();
  auto victim = sys.find_actor(holder);
  REQUIRE(victim);
  self->send_exit(victim, exit_reason::kill);
  auto r = held.get();
  REQUIRE_MESSAGE(r.has_value(), to_string(r.error()));
  CHECK_EQ(*r, 7);
  CHECK_EQ(stats_of(self, p).redispatched, 1u);
}

TEST_CASE("a pool that is not idempotent answers worker_failed for a dead worker's requests") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto g = std::make_shared<gates>();
  worker_if p = sys.spawn(pool<worker_if>{.size = 2, .factory = factory(g)});
  auto held = self->request(p, 10s, pool_hold{});
  REQUIRE(eventually([&] { return g->holder.load() != 0; }));
  auto holder = g->holder.load();
  auto victim = sys.find_actor(holder);
  REQUIRE(victim);
  self->send_exit(victim, exit_reason::kill);
  auto r = held.get();
  REQUIRE_FALSE(r.has_value());
  CHECK_MESSAGE(r.error() == supervision_error::worker_failed, to_string(r.error()));
}

namespace {
struct lookup {
  int key;
};
using relay_if = typed_actor<result<int>(lookup)>;

/// A worker that asks a backend and passes its error on, as CAF code
/// relays errors: a backend that is gone answers dead_receiver, which the
/// worker (alive and well) returns as its own answer.
relay_if::behavior_type relay_impl(relay_if::pointer self, actor backend) {
  return {
    [self, backend](lookup m) -> result<int> {
      auto rp = self->make_response_promise<int>();
      self->request(backend, 1s, m.key)
        .then([rp](int x) mutable { rp.deliver(x); },
              [rp](const error& err) mutable { rp.deliver(err); });
      return rp;
    },
  };
}
} // namespace

TEST_CASE("a worker's error reply is its answer, not its death: the pool keeps using it") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  for (bool idempotent : {false, true}) {
    CAPTURE(idempotent);
    auto backend = sys.spawn([]() -> behavior { return {[](int key) { return key * 10; }}; });
    relay_if p = sys.spawn(pool<relay_if>{
      .size = 2,
      .factory = [backend](actor_system& s) { return s.spawn(relay_impl, backend); },
      .idempotent = idempotent,
      .queue_timeout = 200ms});
    CHECK_EQ(self->request(p, 5s, lookup{1}).get().value(), 10);
    // The backend goes; the workers stay.
    self->monitor(backend);
    self->send_exit(backend, exit_reason::kill);
    REQUIRE(self->receive_for(5s, [](down_msg&) {}));
    // Each worker answers with the backend's error, its own answer: not
    // worker_failed, and no worker is taken for dead (else the later
    // requests would find none and get pool_unavailable).
    for (int i = 0; i < 6; ++i) {
      auto r = self->request(p, 5s, lookup{i}).get();
      REQUIRE_FALSE(r.has_value());
      CHECK_MESSAGE(r.error() == sec::dead_receiver, to_string(r.error()));
    }
    auto st = self->request(actor_cast<actor>(p), 1s, get_pool_stats{}).get<pool_stats>();
    REQUIRE(st.has_value());
    CHECK_EQ(st->failed, 0u);
    CHECK_EQ(st->redispatched, 0u);
    CHECK_EQ(st->unavailable, 0u);
    CHECK_EQ(st->restarts, 0u);
  }
}

TEST_CASE("a live worker that relays a kernel's kernel_fault or kernel_stalled stays in dispatch") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  // The backend stands for a kernel actor behind the workers: odd keys get
  // the error a faulted (1) or stalled (3) kernel answers, even keys a value.
  auto backend = sys.spawn([]() -> behavior {
    return {[](int key) -> result<int> {
      if (key % 4 == 1)
        return error{gpu_error::kernel_fault, "relayed from the backend"};
      if (key % 4 == 3)
        return error{gpu_error::kernel_stalled, "relayed from the backend"};
      return key * 10;
    }};
  });
  for (bool idempotent : {false, true}) {
    CAPTURE(idempotent);
    relay_if p = sys.spawn(pool<relay_if>{
      .size = 2,
      .factory = [backend](actor_system& s) { return s.spawn(relay_impl, backend); },
      .dispatch = round_robin{},
      .idempotent = idempotent,
      .queue_timeout = 200ms});
    // Each worker relays both errors: the requester gets them as they are.
    for (int i = 0; i < 4; ++i) {
      auto r = self->request(p, 5s, lookup{2 * i + 1}).get();
      REQUIRE_FALSE(r.has_value());
      auto expected = i % 2 == 0 ? error{gpu_error::kernel_fault}
                                 : error{gpu_error::kernel_stalled};
      CHECK_MESSAGE(r.error() == expected, to_string(r.error()));
    }
    // Both workers still serve: round robin gives each of them two of these.
    for (int i = 0; i < 4; ++i) {
      auto r = self->request(p, 5s, lookup{2 * i}).get();
      if (!r.has_value())
        FAIL_CHECK("request ", i, " failed: ", to_string(r.error()));
      else
        CHECK_EQ(*r, 20 * i);
    }
    auto st = self->request(actor_cast<actor>(p), 1s, get_pool_stats{}).get<pool_stats>();
    REQUIRE(st.has_value());
    REQUIRE_EQ(st->workers.size(), 2u);
    for (auto& w : st->workers) {
      CHECK(w.running);
      CHECK_EQ(w.served, 2u);
    }
    CHECK_EQ(st->failed, 0u);
    CHECK_EQ(st->redispatched, 0u);
    CHECK_EQ(st->unavailable, 0u);
    CHECK_EQ(st->restarts, 0u);
  }
}

TEST_CASE("requests wait for a worker and fail with pool_unavailable after the timeout") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto fails = std::make_shared<std::atomic<int>>(1000);
  auto flaky_factory = [fails](actor_system& s) -> worker_if {
    if (fails->fetch_sub(1) > 0 && fails->load() < 999)
      throw std::runtime_error("cannot start now");
    return s.spawn(worker_impl, std::make_shared<gates>());
  };
  worker_if p = sys.spawn(pool<worker_if>{
    .size = 1,
    .factory = flaky_factory,
    .strategy = one_for_one{.max_restarts = 1000,
                            .within = 10s,
                            .backoff = backoff{.initial = 20ms, .max = 20ms, .jitter = 0}},
    .queue_timeout = 30ms});
  // The first worker starts; pool_crash it. Every restart then fails to start.
  CHECK_EQ(self->request(p, 1s, pool_crash{}).get().error(), supervision_error::worker_failed);
  auto r = self->request(p, 5s, work{1}).get();
  REQUIRE_FALSE(r.has_value());
  CHECK_EQ(r.error(), supervision_error::pool_unavailable);
  CHECK_GE(stats_of(self, p).unavailable, 1u);
}

TEST_CASE("a pool resizes at runtime") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  worker_if p = sys.spawn(pool<worker_if>{.size = 2, .factory = factory()});
  CHECK(self->request(actor_cast<actor>(p), 1s, pool_resize{5}).get<unit_t>().has_value());
  CHECK_EQ(stats_of(self, p).workers.size(), 5u);
  std::set<actor_id> seen;
  for (int i = 0; i < 10; ++i)
    seen.insert(self->request(p, 1s, whoami{}).get().value());
  CHECK_EQ(seen.size(), 5u);
  CHECK(self->request(actor_cast<actor>(p), 1s, pool_resize{1}).get<unit_t>().has_value());
  CHECK_EQ(stats_of(self, p).workers.size(), 1u);
  seen.clear();
  for (int i = 0; i < 4; ++i)
    seen.insert(self->request(p, 1s, whoami{}).get().value());
  CHECK_EQ(seen.size(), 1u);
}

TEST_CASE("a pool that shrinks sends no new request to a worker it is stopping") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto g = std::make_shared<gates>();
  worker_if p = sys.spawn(pool<worker_if>{
    .size = 2, .factory = factory(g), .dispatch = round_robin{}});
  // Round robin: work goes to the first worker, slow to the second, which
  // then sits in its handler while the pool asks it to exit.
  REQUIRE_EQ(self->request(p, 1s, work{1}).get().value(), 2);
  auto busy = self->request(p, 10s, slow{});
  REQUIRE(g->slow_gate.wait_entered());
  auto resized = self->request(actor_cast<actor>(p), 10s, pool_resize{1});
  // Sent after the resize: the pool handles them after it began stopping
  // the second worker, so they must all go to the first one.
  std::vector<blocking_response_handle<int>> handles;
  for (int i = 0; i < 4; ++i)
    handles.push_back(self->request(p, 10s, work{i}));
  g->slow_gate.open();
  for (int i = 0; i < 4; ++i) {
    auto r = handles[static_cast<size_t>(i)].get();
    if (!r.has_value())
      FAIL_CHECK("request ", i, " failed: ", to_string(r.error()));
    else
      CHECK_EQ(*r, 2 * i);
  }
  CHECK(busy.get().has_value());
  CHECK(resized.get<unit_t>().has_value());
  auto st = stats_of(self, p);
  CHECK_EQ(st.workers.size(), 1u);
  CHECK_EQ(st.failed, 0u);
}

TEST_CASE("a worker that dies while a shrink waits to remove it is not restarted") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto g = std::make_shared<gates>();
  auto started = std::make_shared<std::atomic<int>>(0);
  worker_if p = sys.spawn(pool<worker_if>{.size = 3,
                                          .factory =
                                            [g, started](actor_system& s) {
                                              ++*started;
                                              return s.spawn(worker_impl, g);
                                            },
                                          .dispatch = round_robin{}});
  auto ids = self->request(actor_cast<actor>(p), 1s, all_of<whoami>{}).get<std::vector<actor_id>>();
  REQUIRE(ids.has_value());
  REQUIRE_EQ(ids->size(), 3u);
  // Round robin: work goes to worker 0, whoami to worker 1, slow to worker
  // 2, which then sits in its handler: the first shrink waits for it.
  REQUIRE_EQ(self->request(p, 1s, work{1}).get().value(), 2);
  REQUIRE_EQ(self->request(p, 1s, whoami{}).get().value(), (*ids)[1]);
  auto busy = self->request(p, 10s, slow{});
  REQUIRE(g->slow_gate.wait_entered());
  auto first = self->request(actor_cast<actor>(p), 10s, pool_resize{2});
  // Answered after the resize (one sender's messages stay in order): the
  // pool is stopping worker 2 now. An exit would overtake the resize.
  CHECK_EQ(stats_of(self, p).workers.size(), 3u);
  // Worker 1 dies while the pool is busy stopping worker 2: its restart
  // waits behind that stop. Then a second shrink removes worker 1 too.
  auto victim = sys.find_actor((*ids)[1]);
  REQUIRE(victim);
  self->send_exit(victim, exit_reason::kill);
  REQUIRE(eventually([&] { return !stats_of(self, p).workers[1].running; }));
  auto second = self->request(actor_cast<actor>(p), 10s, pool_resize{1});
  // The pool had the second resize before worker 2 can exit.
  CHECK_EQ(stats_of(self, p).workers.size(), 3u);
  g->slow_gate.open();
  CHECK(busy.get().has_value());
  CHECK(first.get<unit_t>().has_value());
  CHECK(second.get<unit_t>().has_value());
  // The removal wins: worker 1 is not started again only to be stopped.
  auto st = stats_of(self, p);
  CHECK_EQ(st.workers.size(), 1u);
  CHECK_EQ(st.restarts, 0u);
  CHECK_EQ(started->load(), 3);
  CHECK_EQ(self->request(p, 1s, whoami{}).get().value(), (*ids)[0]);
}

TEST_CASE("a one_for_all pool sends no new request to a worker it is stopping for a restart") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto g = std::make_shared<gates>();
  worker_if p = sys.spawn(pool<worker_if>{
    .size = 2, .factory = factory(g), .strategy = one_for_all{}, .dispatch = round_robin{}});
  // slow occupies the first worker, pool_crash kills the second: the restart of
  // all stops the first one, which sits in its handler meanwhile (no
  // worker is live until both restarted).
  auto busy = self->request(p, 10s, slow{});
  REQUIRE(g->slow_gate.wait_entered());
  CHECK_EQ(self->request(p, 5s, pool_crash{}).get().error(), supervision_error::worker_failed);
  // Once the pool saw the second worker's exit it is stopping the first:
  // requests wait for the restart instead of going to the stopping worker.
  REQUIRE(eventually([&] { return !stats_of(self, p).workers[1].running; }));
  std::vector<blocking_response_handle<int>> handles;
  for (int i = 0; i < 4; ++i)
    handles.push_back(self->request(p, 10s, work{i}));
  g->slow_gate.open();
  for (int i = 0; i < 4; ++i) {
    auto r = handles[static_cast<size_t>(i)].get();
    if (!r.has_value())
      FAIL_CHECK("request ", i, " failed: ", to_string(r.error()));
    else
      CHECK_EQ(*r, 2 * i);
  }
  CHECK(busy.get().has_value());
  CHECK_EQ(stats_of(self, p).failed, 1u); // the pool_crash alone
}

TEST_CASE(
  "spawning a pool that could never start a worker throws invalid_argument naming the pool") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto alive = sys.stats().actors_alive;
  auto refused = [&](pool<worker_if> cfg, std::string_view what) {
    CAPTURE(what);
    try {
      (void) sys.spawn(std::move(cfg));
      FAIL_CHECK("the pool was spawned");
    } catch (const std::invalid_argument& e) {
      std::string_view text = e.what();
      CHECK_MESSAGE(text.find("'lonely'") != std::string_view::npos, text);
      CHECK_MESSAGE(text.find(what) != std::string_view::npos, text);
    }
  };
  refused(pool<worker_if>{.size = 2, .name = "lonely"}, "factory");
  refused(pool<worker_if>{.size = 0, .name = "lonely"}, "factory");
  refused(pool<worker_if>{.size = 2, .factory = factory(), .worker_timeout = 0s, .name = "lonely"},
          "worker_timeout");
  // Nothing was created for them.
  CHECK_EQ(sys.stats().actors_alive, alive);
  // Size 0 is fine with a factory: the pool grows when resized.
  scoped_actor self{sys};
  worker_if p = sys.spawn(pool<worker_if>{.size = 0, .factory = factory(), .queue_timeout = 5s});
  auto waiting = self->request(p, 5s, work{4});
  CHECK(self->request(actor_cast<actor>(p), 1s, pool_resize{1}).get<unit_t>().has_value());
  CHECK_EQ(waiting.get().value(), 8);
}

TEST_CASE("a pool worker whose first start fails is started again and the pool reaches its size") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto calls = std::make_shared<std::atomic<int>>(0);
  // The second worker's first start throws (a device busy at boot, say).
  auto flaky_at_boot = [calls](actor_system& s) -> worker_if {
    if (++*calls == 2)
      throw std::runtime_error("device busy");
    return s.spawn(worker_impl, std::make_shared<gates>());
  };
  worker_if p = sys.spawn(pool<worker_if>{.size = 3,
                                          .factory = flaky_at_boot,
                                          .strategy = one_for_all{.max_restarts = 3, .within = 10s},
                                          .dispatch = round_robin{}});
  REQUIRE(eventually([&] {
    auto st = stats_of(self, p);
    return st.workers.size() == 3
           && std::all_of(st.workers.begin(), st.workers.end(), [](auto& w) { return w.running; });
  }));
  auto st = stats_of(self, p);
  // It kept its number, and its retry (one_for_all or not) restarted no
  // sibling: four starts in all, one each, one retry.
  CHECK_EQ(st.workers[1].name, "pool-worker-1");
  CHECK_EQ(st.restarts, 1u);
  CHECK_EQ(calls->load(), 4);
  std::set<actor_id> seen;
  for (int i = 0; i < 6; ++i)
    seen.insert(self->request(p, 1s, whoami{}).get().value());
  CHECK_EQ(seen.size(), 3u);
}

TEST_CASE("a pool whose workers can never start gives up like a supervisor") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto never = [](actor_system&) -> worker_if { throw std::runtime_error("no device"); };
  worker_if p = sys.spawn(pool<worker_if>{
    .size = 2, .factory = never, .strategy = one_for_one{.max_restarts = 3, .within = 10s}});
  self->monitor(p);
  error reason;
  CHECK(self->receive_for(10s, [&](down_msg& d) { reason = d.reason; }));
  CHECK_EQ(reason, supervision_error::restart_intensity_exceeded);
  // A request now is an error reply, not a wait.
  auto r = self->request(p, 1s, work{1}).get();
  REQUIRE_FALSE(r.has_value());
  CHECK_EQ(r.error(), sec::dead_receiver);
}

TEST_CASE("a resize while a shrink is pending counts only the workers that stay") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto g = std::make_shared<gates>();
  worker_if p = sys.spawn(pool<worker_if>{
    .size = 3, .factory = factory(g), .dispatch = round_robin{}});
  // Round robin: work to worker 0, whoami to worker 1, slow to worker 2,
  // which then sits in its handler: the shrink waits for it.
  REQUIRE_EQ(self->request(p, 1s, work{1}).get().value(), 2);
  (void) self->request(p, 1s, whoami{}).get();
  auto busy = self->request(p, 10s, slow{});
  REQUIRE(g->slow_gate.wait_entered());
  auto shrink = self->request(actor_cast<actor>(p), 10s, pool_resize{2});
  // Worker 2 is still stopping: growing back to 3 adds one worker, and
  // shrinking to 2 again would remove nothing more.
  auto grow = self->request(actor_cast<actor>(p), 10s, pool_resize{3});
  CHECK(grow.get<unit_t>().has_value());
  CHECK_EQ(stats_of(self, p).workers.size(), 4u); // worker 2 still there, stopping
  g->slow_gate.open();
  CHECK(busy.get().has_value());
  CHECK(shrink.get<unit_t>().has_value());
  REQUIRE(eventually([&] { return stats_of(self, p).workers.size() == 3; }));
  auto st = stats_of(self, p);
  for (auto& w : st.workers)
    CHECK_MESSAGE(w.running, w.name);
  CHECK_EQ(st.workers[2].name, "pool-worker-3");
  std::set<actor_id> seen;
  for (int i = 0; i < 6; ++i)
    seen.insert(self->request(p, 1s, whoami{}).get().value());
  CHECK_EQ(seen.size(), 3u);
}

TEST_SUITE_END();
