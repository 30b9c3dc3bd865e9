// A pool's cancel_request (pool_stats.hpp): a requester cancels its own
// request; a queued one never reaches a worker, the reply of a running one
// is dropped, nothing is re-dispatched, other requesters and unknown ids
// change nothing.
#include <doctest/doctest.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>

#include <ringactor/all.hpp>
#include <ringactor/supervision/all.hpp>

#include "test_util.hpp"

using namespace ringactor;
using namespace ringactor::supervision;
using namespace std::chrono_literals;
using test_util::eventually;

namespace {

struct task {
  /// The worker keeps the request unanswered (its promise dies with it).
  bool hold = false;
  /// The worker blocks on the gate before it answers.
  bool block = false;
};

using job_if = typed_actor<result<int>(task)>;

struct worker_log {
  std::atomic<int> handled{0};     // every task a worker got
  std::atomic<actor_id> holder{0}; // the worker holding a `hold` task
  test_util::gate gate;            // what `block` tasks wait on
};

job_if::behavior_type job_worker(job_if::pointer self, std::shared_ptr<worker_log> log) {
  return {[self, log](task t) -> result<int> {
    ++log->handled;
    if (t.block) {
      log->gate.mark_entered();
      log->gate.wait();
    }
    if (t.hold) {
      log->holder = self->id();
      auto held = std::make_shared<typed_response_promise<int>>(self->make_response_promise<int>());
      // Kept by a behavior that never runs: the promise dies with the actor.
      self->become(keep_behavior, behavior{[held](task) { return 0; }});
      return *held;
    }
    return 42;
  }};
}

/// What one requester's request came to.
struct outcome {
  std::mutex mtx;
  std::optional<expected<int>> result; // guarded by mtx
  std::atomic<uint64_t> id{0};         // the request's message_id, set before any cancel

  void set(expected<int> x) {
    std::lock_guard guard{mtx};
    result = std::move(x);
  }
  std::optional<expected<int>> get() {
    std::lock_guard guard{mtx};
    return result;
  }
};

struct cancel_it {};

/// An actor that requests `t` from the pool at once and, on cancel_it,
/// cancels that request (as the service registry's invoker does).
actor spawn_requester(actor_system& sys, job_if p, std::shared_ptr<outcome> out, task t) {
  return sys.spawn([p, out, t](event_based_actor* self) -> behavior {
    auto h = self->request(p, 10s, t);
    out->id = h.id().integer_value();
    h.then([out](int x) { out->set(x); }, [out](const error& err) { out->set(err); });
    return {[self, p, out](cancel_it) {
      self->send(actor_cast<actor>(p), cancel_request{message_id{out->id.load()}});
    }};
  });
}

pool_stats stats_of(scoped_actor& self, const job_if& p) {
  auto r = self->request(actor_cast<actor>(p), 1s, get_pool_stats{}).get<pool_stats>();
  REQUIRE(r.has_value());
  return *r;
}

size_t in_flight_of(const pool_stats& st) {
  size_t n = 0;
  for (auto& w : st.workers)
    n += w.in_flight;
  return n;
}

bool is_cancelled(const std::optional<expected<int>>& r) {
  return r && !r->has_value() && r->error() == supervision_error::request_cancelled;
}

auto factory(std::shared_ptr<worker_log> log) {
  return [log](actor_system& s) { return s.spawn(job_worker, log); };
}

} // namespace

TEST_SUITE_BEGIN("supervision");

TEST_CASE("a queued request cancelled by its requester never reaches a worker") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto log = std::make_shared<worker_log>();
  // No worker yet: requests wait in the pool's queue.
  job_if p = sys.spawn(pool<job_if>{.size = 0, .factory = factory(log), .queue_timeout = 10s});
  auto out = std::make_shared<outcome>();
  auto requester = spawn_requester(sys, p, out, task{});
  REQUIRE(eventually([&] { return stats_of(self, p).queued == 1; }));
  self->send(requester, cancel_it{});
  // Answered at once, not after the 10 s queue timeout.
  REQUIRE(eventually([&] { return out->get().has_value(); }, 5s));
  CHECK_MESSAGE(is_cancelled(out->get()), to_string(out->get()->error()));
  auto st = stats_of(self, p);
  CHECK_EQ(st.queued, 0u);
  CHECK_EQ(st.cancelled, 1u);
  CHECK_EQ(st.unavailable, 0u);
  // A worker starts: it gets only the request made after the cancel (a
  // queued request would have run first).
  REQUIRE(self->request(actor_cast<actor>(p), 5s, pool_resize{1}).get().has_value());
  auto r = self->request(p, 5s, task{}).get();
  REQUIRE(r.has_value());
  CHECK_EQ(log->handled.load(), 1);
  st = stats_of(self, p);
  CHECK_EQ(in_flight_of(st), 0u);
  CHECK_EQ(st.served, 1u);
}

TEST_CASE("a requester cannot cancel another requester's request") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto log = std::make_shared<worker_log>();
  job_if p = sys.spawn(pool<job_if>{.size = 0, .factory = factory(log), .queue_timeout = 10s});
  auto out = std::make_shared<outcome>();
  auto requester = spawn_requester(sys, p, out, task{});
  REQUIRE(eventually([&] { return stats_of(self, p).queued == 1; }));
  // The same id from another actor: the pool matches the sender too. The
  // statistics, asked after it by the same sender, see its effect.
  self->send(actor_cast<actor>(p), cancel_request{message_id{out->id.load()}});
  auto st = stats_of(self, p);
  CHECK_EQ(st.queued, 1u);
  CHECK_EQ(st.cancelled, 0u);
  CHECK_FALSE(out->get().has_value());
  // Its own requester can.
  self->send(requester, cancel_it{});
  REQUIRE(eventually([&] { return out->get().has_value(); }, 5s));
  CHECK(is_cancelled(out->get()));
  CHECK_EQ(stats_of(self, p).cancelled, 1u);
}

TEST_CASE("a cancelled request a worker holds is answered at once and its late reply is dropped") {
  actor_system sys{actor_system_config{}.set_workers(3)};
  scoped_actor self{sys};
  auto log = std::make_shared<worker_log>();
  job_if p = sys.spawn(pool<job_if>{.size = 1, .factory = factory(log)});
  auto out = std::make_shared<outcome>();
  auto requester = spawn_requester(sys, p, out, task{.block = true});
  REQUIRE(log->gate.wait_entered());
  self->send(requester, cancel_it{});
  REQUIRE(eventually([&] { return out->get().has_value(); }, 5s));
  CHECK(is_cancelled(out->get()));
  // The worker still holds it: the pool cannot stop a handler mid-message.
  auto st = stats_of(self, p);
  CHECK_EQ(in_flight_of(st), 1u);
  CHECK_EQ(st.cancelled, 1u);
  log->gate.open();
  // Its reply comes and is dropped: in flight 0, nothing served.
  CHECK(eventually([&] { return in_flight_of(stats_of(self, p)) == 0; }, 5s));
  st = stats_of(self, p);
  CHECK_EQ(st.served, 0u);
  CHECK(is_cancelled(out->get()));
  // The pool serves on.
  auto r = self->request(p, 5s, task{}).get();
  REQUIRE(r.has_value());
  CHECK_EQ(*r, 42);
}

TEST_CASE("a cancel_request for an unknown request is ignored") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto log = std::make_shared<worker_log>();
  job_if p = sys.spawn(pool<job_if>{.size = 1, .factory = factory(log)});
  self->send(actor_cast<actor>(p), cancel_request{message_id::make_request(987654)});
  self->send(actor_cast<actor>(p), cancel_request{message_id{}});
  auto st = stats_of(self, p);
  CHECK_EQ(st.cancelled, 0u);
  // A finished request is unknown too.
  auto out = std::make_shared<outcome>();
  auto requester = spawn_requester(sys, p, out, task{});
  REQUIRE(eventually([&] { return out->get().has_value(); }, 5s));
  REQUIRE(out->get()->has_value());
  self->send(requester, cancel_it{});
  CHECK(eventually([&] { return log->handled.load() == 1; }));
  auto r = self->request(p, 5s, task{}).get();
  REQUIRE(r.has_value());
  st = stats_of(self, p);
  CHECK_EQ(st.cancelled, 0u);
  CHECK_EQ(st.served, 2u);
}

TEST_CASE("a cancelled request is not re-dispatched when its worker dies") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto log = std::make_shared<worker_log>();
  job_if p = sys.spawn(pool<job_if>{.size = 2, .factory = factory(log), .idempotent = true});
  auto out = std::make_shared<outcome>();
  auto requester = spawn_requester(sys, p, out, task{.hold = true});
  REQUIRE(eventually([&] { return log->holder.load() != 0; }));
  self->send(requester, cancel_it{});
  REQUIRE(eventually([&] { return out->get().has_value(); }, 5s));
  CHECK(is_cancelled(out->get()));
  auto victim = sys.find_actor(log->holder.load());
  REQUIRE(victim);
  self->send_exit(victim, exit_reason::kill);
  // The worker is restarted; the request it held goes nowhere.
  CHECK(eventually([&] { return stats_of(self, p).restarts == 1; }));
  CHECK(eventually([&] { return in_flight_of(stats_of(self, p)) == 0; }));
  auto st = stats_of(self, p);
  CHECK_EQ(st.redispatched, 0u);
  CHECK_EQ(st.failed, 0u);
  CHECK_EQ(st.cancelled, 1u);
  CHECK_EQ(log->handled.load(), 1);
}
