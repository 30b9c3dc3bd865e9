// A pool's max_in_flight_per_worker (pool.hpp): a request that finds every
// live worker at the limit waits in the pool's queue (where a cancellation
// takes it back before any worker sees it), runs when a slot frees, in the
// order it came; the queue's capacity and timeout apply as while no worker
// is live; a worker's death frees its slots.
#include <doctest/doctest.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include <ringactor/all.hpp>
#include <ringactor/supervision/all.hpp>

#include "test_util.hpp"

using namespace ringactor;
using namespace ringactor::supervision;
using namespace std::chrono_literals;
using test_util::eventually;

namespace {

struct slow_task {
  int value = 0;
  /// The worker keeps the request unanswered (see worker_log::holds_left).
  bool hold = false;
};

using slow_if = typed_actor<result<int>(slow_task)>;

/// What the workers did, and the test's hold on them: a worker answers its
/// n-th task only once the test allowed n (bounded: after 10 s it answers
/// anyway, so a broken test cannot hang).
struct worker_log {
  std::mutex mtx;
  std::condition_variable cv;
  int entered = 0;         // guarded by mtx: tasks a worker began
  int allowed = 0;         // guarded by mtx: tasks the test let finish
  std::vector<int> values; // guarded by mtx: the tasks' values, in order
  /// `hold` tasks that are still held (a re-dispatched one is not).
  std::atomic<int> holds_left{1};
  std::atomic<actor_id> holder{0};

  void allow(int n) {
    std::lock_guard guard{mtx};
    allowed = n;
    cv.notify_all();
  }
  int entered_count() {
    std::lock_guard guard{mtx};
    return entered;
  }
  std::vector<int> handled() {
    std::lock_guard guard{mtx};
    return values;
  }
};

slow_if::behavior_type slow_worker(slow_if::pointer self, std::shared_ptr<worker_log> log) {
  return {[self, log](slow_task t) -> result<int> {
    if (t.hold && log->holds_left.fetch_sub(1) > 0) {
      {
        std::lock_guard guard{log->mtx};
        log->values.push_back(t.value);
      }
      log->holder = self->id();
      auto held = std::make_shared<typed_response_promise<int>>(self->make_response_promise<int>());
      // Kept by a behavior that never runs: the promise dies with the actor.
      self->become(keep_behavior, behavior{[held](slow_task) { return 0; }});
      return *held;
    }
    std::unique_lock guard{log->mtx};
    auto ticket = ++log->entered;
    log->values.push_back(t.value);
    log->cv.wait_for(guard, 10s, [&] { return log->allowed >= ticket; });
    return t.value;
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
/// cancels that request.
std::pair<actor, std::shared_ptr<outcome>> request_from(actor_system& sys, slow_if p, slow_task t) {
  auto out = std::make_shared<outcome>();
  auto a = sys.spawn([p, out, t](event_based_actor* self) -> behavior {
    auto h = self->request(p, 30s, t);
    out->id = h.id().integer_value();
    h.then([out](int x) { out->set(x); }, [out](const error& err) { out->set(err); });
    return {[self, p, out](cancel_it) {
      self->send(actor_cast<actor>(p), cancel_request{message_id{out->id.load()}});
    }};
  });
  return {a, out};
}

pool_stats stats_of(scoped_actor& self, const slow_if& p) {
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

bool answered_with(const std::shared_ptr<outcome>& out, int value) {
  auto r = out->get();
  return r && r->has_value() && **r == value;
}

bool failed_with(const std::shared_ptr<outcome>& out, supervision_error code) {
  auto r = out->get();
  return r && !r->has_value() && r->error() == code;
}

pool<slow_if> limited_pool(std::shared_ptr<worker_log> log, size_t size = 1) {
  return pool<slow_if>{.size = size,
                       .factory = [log](actor_system& s) { return s.spawn(slow_worker, log); },
                       .queue_timeout = 10s,
                       .max_in_flight_per_worker = 1};
}

} // namespace

TEST_SUITE_BEGIN("supervision");

TEST_CASE("a request that finds its worker at the in-flight limit waits in the pool, then runs") {
  actor_system sys{actor_system_config{}.set_workers(3)};
  scoped_actor self{sys};
  auto log = std::make_shared<worker_log>();
  slow_if p = sys.spawn(limited_pool(log));
  auto first = request_from(sys, p, slow_task{1});
  REQUIRE(eventually([&] { return log->entered_count() == 1; }));
  auto second = request_from(sys, p, slow_task{2});
  REQUIRE(eventually([&] { return stats_of(self, p).queued == 1; }));
  auto st = stats_of(self, p);
  CHECK_EQ(st.max_in_flight_per_worker, 1u);
  REQUIRE_EQ(st.workers.size(), 1u);
  CHECK_EQ(st.workers[0].in_flight, 1u); // the worker holds one, the pool the other
  CHECK_EQ(log->handled(), std::vector<int>{1});
  log->allow(1);
  REQUIRE(eventually([&] { return answered_with(first.second, 1); }));
  // The freed slot takes the waiting request.
  REQUIRE(eventually([&] { return log->entered_count() == 2; }));
  CHECK_EQ(stats_of(self, p).queued, 0u);
  log->allow(2);
  REQUIRE(eventually([&] { return answered_with(second.second, 2); }));
  CHECK(eventually([&] { return in_flight_of(stats_of(self, p)) == 0; }));
  st = stats_of(self, p);
  CHECK_EQ(st.served, 2u);
  CHECK_EQ(st.unavailable, 0u);
}

TEST_CASE("a request cancelled while it waits for a free slot never reaches the busy worker") {
  actor_system sys{actor_system_config{}.set_workers(3)};
  scoped_actor self{sys};
  auto log = std::make_shared<worker_log>();
  slow_if p = sys.spawn(limited_pool(log));
  auto first = request_from(sys, p, slow_task{1});
  REQUIRE(eventually([&] { return log->entered_count() == 1; }));
  auto second = request_from(sys, p, slow_task{2});
  REQUIRE(eventually([&] { return stats_of(self, p).queued == 1; }));
  self->send(second.first, cancel_it{});
  // Answered at once, while the worker is still busy with the first.
  REQUIRE(eventually([&] { return second.second->get().has_value(); }, 5s));
  CHECK(failed_with(second.second, supervision_error::request_cancelled));
  auto st = stats_of(self, p);
  CHECK_EQ(st.queued, 0u);
  CHECK_EQ(st.cancelled, 1u);
  CHECK_EQ(in_flight_of(st), 1u);
  log->allow(3);
  REQUIRE(eventually([&] { return answered_with(first.second, 1); }));
  auto third = request_from(sys, p, slow_task{3});
  REQUIRE(eventually([&] { return answered_with(third.second, 3); }));
  // The worker saw the first and the third request only.
  CHECK_EQ(log->handled(), std::vector<int>{1, 3});
  CHECK(eventually([&] { return in_flight_of(stats_of(self, p)) == 0; }));
  CHECK_EQ(stats_of(self, p).served, 2u);
}

TEST_CASE("requests waiting for a free slot run in the order they came") {
  actor_system sys{actor_system_config{}.set_workers(3)};
  scoped_actor self{sys};
  auto log = std::make_shared<worker_log>();
  slow_if p = sys.spawn(limited_pool(log, 2));
  std::vector<std::shared_ptr<outcome>> outs;
  // Two fill the workers' slots; the next five wait, each sent once the
  // one before it is queued, so their order of arrival is known.
  for (int i = 1; i <= 2; ++i)
    outs.push_back(request_from(sys, p, slow_task{i}).second);
  REQUIRE(eventually([&] { return log->entered_count() == 2; }));
  for (int i = 3; i <= 7; ++i) {
    outs.push_back(request_from(sys, p, slow_task{i}).second);
    REQUIRE(eventually([&] { return stats_of(self, p).queued == static_cast<size_t>(i - 2); }));
  }
  auto st = stats_of(self, p);
  for (auto& w : st.workers)
    CHECK_EQ(w.in_flight, 1u);
  // One at a time: each freed slot takes the oldest waiting request.
  for (int n = 3; n <= 7; ++n) {
    log->allow(n - 2);
    REQUIRE(eventually([&] { return log->entered_count() == n; }));
  }
  log->allow(7);
  for (int i = 1; i <= 7; ++i)
    CHECK(eventually([&] { return answered_with(outs[i - 1], i); }));
  auto handled = log->handled();
  REQUIRE_EQ(handled.size(), 7u);
  CHECK_EQ(std::vector<int>(handled.begin() + 2, handled.end()), std::vector<int>{3, 4, 5, 6, 7});
  CHECK_EQ(stats_of(self, p).served, 7u);
}

TEST_CASE("a request that finds every worker at its limit and the queue full is refused") {
  actor_system sys{actor_system_config{}.set_workers(3)};
  scoped_actor self{sys};
  auto log = std::make_shared<worker_log>();
  auto spec = limited_pool(log);
  spec.queue_capacity = 1;
  slow_if p = sys.spawn(spec);
  auto first = request_from(sys, p, slow_task{1});
  REQUIRE(eventually([&] { return log->entered_count() == 1; }));
  auto second = request_from(sys, p, slow_task{2});
  REQUIRE(eventually([&] { return stats_of(self, p).queued == 1; }));
  auto third = request_from(sys, p, slow_task{3});
  REQUIRE(eventually([&] { return third.second->get().has_value(); }));
  CHECK(failed_with(third.second, supervision_error::pool_unavailable));
  CHECK_EQ(stats_of(self, p).unavailable, 1u);
  log->allow(2);
  CHECK(eventually([&] { return answered_with(first.second, 1); }));
  CHECK(eventually([&] { return answered_with(second.second, 2); }));
  CHECK_EQ(log->handled(), std::vector<int>{1, 2});
}

TEST_CASE("a request waiting for a free slot fails with pool_unavailable after queue_timeout") {
  actor_system sys{actor_system_config{}.set_workers(3)};
  scoped_actor self{sys};
  auto log = std::make_shared<worker_log>();
  auto spec = limited_pool(log);
  spec.queue_timeout = 100ms;
  slow_if p = sys.spawn(spec);
  auto first = request_from(sys, p, slow_task{1});
  REQUIRE(eventually([&] { return log->entered_count() == 1; }));
  auto second = request_from(sys, p, slow_task{2});
  REQUIRE(eventually([&] { return second.second->get().has_value(); }, 5s));
  CHECK(failed_with(second.second, supervision_error::pool_unavailable));
  auto st = stats_of(self, p);
  CHECK_EQ(st.queued, 0u);
  CHECK_EQ(st.unavailable, 1u);
  log->allow(1);
  CHECK(eventually([&] { return answered_with(first.second, 1); }));
  CHECK_EQ(log->handled(), std::vector<int>{1});
}

TEST_CASE("a worker's death frees its slot: a waiting request runs on its restart") {
  actor_system sys{actor_system_config{}.set_workers(3)};
  scoped_actor self{sys};
  auto log = std::make_shared<worker_log>();
  slow_if p = sys.spawn(limited_pool(log));
  auto first = request_from(sys, p, slow_task{.value = 1, .hold = true});
  REQUIRE(eventually([&] { return log->holder.load() != 0; }));
  auto second = request_from(sys, p, slow_task{2});
  REQUIRE(eventually([&] { return stats_of(self, p).queued == 1; }));
  auto victim = sys.find_actor(log->holder.load());
  REQUIRE(victim);
  self->send_exit(victim, exit_reason::kill);
  log->allow(1);
  // Not idempotent: the held request fails; the waiting one runs on the
  // restarted worker.
  REQUIRE(eventually([&] { return first.second->get().has_value(); }));
  CHECK(failed_with(first.second, supervision_error::worker_failed));
  REQUIRE(eventually([&] { return answered_with(second.second, 2); }));
  CHECK_EQ(log->handled(), std::vector<int>{1, 2});
  auto st = stats_of(self, p);
  CHECK_EQ(st.restarts, 1u);
  CHECK_EQ(st.failed, 1u);
  CHECK_EQ(st.queued, 0u);
  CHECK(eventually([&] { return in_flight_of(stats_of(self, p)) == 0; }));
}

TEST_CASE("an idempotent pool's request moved off a dead worker waits its turn and runs") {
  actor_system sys{actor_system_config{}.set_workers(3)};
  scoped_actor self{sys};
  auto log = std::make_shared<worker_log>();
  auto spec = limited_pool(log);
  spec.idempotent = true;
  slow_if p = sys.spawn(spec);
  auto first = request_from(sys, p, slow_task{.value = 1, .hold = true});
  REQUIRE(eventually([&] { return log->holder.load() != 0; }));
  auto second = request_from(sys, p, slow_task{2});
  REQUIRE(eventually([&] { return stats_of(self, p).queued == 1; }));
  auto victim = sys.find_actor(log->holder.load());
  REQUIRE(victim);
  self->send_exit(victim, exit_reason::kill);
  log->allow(2);
  // Both are answered by the restarted worker, one at a time: the held
  // request (re-dispatched, not held again) and the waiting one.
  REQUIRE(eventually([&] { return answered_with(first.second, 1); }));
  REQUIRE(eventually([&] { return answered_with(second.second, 2); }));
  auto handled = log->handled();
  CHECK_EQ(handled.size(), 3u); // 1 held, then 1 again and 2 in some order
  auto st = stats_of(self, p);
  CHECK_EQ(st.redispatched, 1u);
  CHECK_EQ(st.failed, 0u);
  CHECK_EQ(st.served, 2u);
  CHECK_EQ(st.queued, 0u);
  CHECK(eventually([&] { return in_flight_of(stats_of(self, p)) == 0; }));
}

TEST_CASE("broadcast requests bypass the in-flight limit") {
  actor_system sys{actor_system_config{}.set_workers(3)};
  scoped_actor self{sys};
  auto log = std::make_shared<worker_log>();
  auto spec = limited_pool(log);
  spec.dispatch = broadcast{};
  slow_if p = sys.spawn(spec);
  auto first = request_from(sys, p, slow_task{1});
  REQUIRE(eventually([&] { return log->entered_count() == 1; }));
  auto second = request_from(sys, p, slow_task{2});
  // Sent to the worker at once (it is in its mailbox), not queued.
  REQUIRE(eventually([&] { return in_flight_of(stats_of(self, p)) == 2; }));
  CHECK_EQ(stats_of(self, p).queued, 0u);
  log->allow(2);
  CHECK(eventually([&] { return answered_with(first.second, 1); }));
  CHECK(eventually([&] { return answered_with(second.second, 2); }));
}
