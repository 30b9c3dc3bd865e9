// A pool's max_in_flight_per_worker (pool.hpp): a request that finds every
// live worker at the limit waits in the pool's queue (where a cancellation
// takes it back before any worker sees it), runs when a slot frees, in the
// order it came; the queue's capacity and timeout apply as while no worker
// is live; a worker's death frees its slots.
#include <doctest/doctest.h>

#include <memory>
#include <vector>

#include <ringactor/all.hpp>
#include <ringactor/supervision/all.hpp>

#include "gated_pool.hpp"
#include "test_util.hpp"

using namespace ringactor;
using namespace ringactor::supervision;
using namespace std::chrono_literals;
using namespace gated_pool;
using test_util::eventually;

namespace {

pool<job_if> limited_pool(size_t size = 1) {
  return pool<job_if>{.size = size, .queue_timeout = 10s, .max_in_flight_per_worker = 1};
}

} // namespace

TEST_SUITE_BEGIN("supervision");

TEST_CASE_FIXTURE(
  fixture<>,
  "a request that finds its worker at the in-flight limit waits in the pool, then runs") {
  start(limited_pool());
  auto first = request_running(gated(1));
  auto second = request_queued(gated(2), 1);
  auto st = stats();
  CHECK_EQ(st.max_in_flight_per_worker, 1u);
  REQUIRE_EQ(st.workers.size(), 1u);
  CHECK_EQ(st.workers[0].in_flight, 1u); // the worker holds one, the pool the other
  CHECK_EQ(log->handled(), std::vector<int>{1});
  log->allow(1);
  REQUIRE(eventually([&] { return answered_with(first.out, 1); }));
  // The freed slot takes the waiting request.
  REQUIRE(eventually([&] { return log->entered_count() == 2; }));
  CHECK_EQ(stats().queued, 0u);
  log->allow(2);
  REQUIRE(eventually([&] { return answered_with(second.out, 2); }));
  CHECK(eventually([&] { return in_flight() == 0; }));
  st = stats();
  CHECK_EQ(st.served, 2u);
  CHECK_EQ(st.unavailable, 0u);
}

TEST_CASE_FIXTURE(
  fixture<>, "a request cancelled while it waits for a free slot never reaches the busy worker") {
  start(limited_pool());
  auto first = request_running(gated(1));
  auto second = request_queued(gated(2), 1);
  self->send(second.from, cancel_it{});
  // Answered at once, while the worker is still busy with the first.
  REQUIRE(eventually([&] { return second.out->get().has_value(); }, 5s));
  CHECK(failed_with(second.out, supervision_error::request_cancelled));
  auto st = stats();
  CHECK_EQ(st.queued, 0u);
  CHECK_EQ(st.cancelled, 1u);
  CHECK_EQ(in_flight_of(st), 1u);
  log->allow(3);
  REQUIRE(eventually([&] { return answered_with(first.out, 1); }));
  auto third = request(gated(3));
  REQUIRE(eventually([&] { return answered_with(third.out, 3); }));
  // The worker saw the first and the third request only.
  CHECK_EQ(log->handled(), std::vector<int>{1, 3});
  CHECK(eventually([&] { return in_flight() == 0; }));
  CHECK_EQ(stats().served, 2u);
}

TEST_CASE_FIXTURE(fixture<>, "requests waiting for a free slot run in the order they came") {
  start(limited_pool(2));
  std::vector<std::shared_ptr<outcome>> outs;
  // Two fill the workers' slots; the next five wait, each sent once the
  // one before it is queued, so their order of arrival is known.
  for (int i = 1; i <= 2; ++i)
    outs.push_back(request(gated(i)).out);
  REQUIRE(eventually([&] { return log->entered_count() == 2; }));
  for (int i = 3; i <= 7; ++i) {
    outs.push_back(request(gated(i)).out);
    REQUIRE(eventually([&] { return stats().queued == static_cast<size_t>(i - 2); }));
  }
  auto st = stats();
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
  CHECK_EQ(stats().served, 7u);
}

TEST_CASE_FIXTURE(fixture<>,
                  "a request that finds every worker at its limit and the queue full is refused") {
  auto spec = limited_pool();
  spec.queue_capacity = 1;
  start(spec);
  auto first = request_running(gated(1));
  auto second = request_queued(gated(2), 1);
  auto third = request(gated(3));
  REQUIRE(eventually([&] { return third.out->get().has_value(); }));
  CHECK(failed_with(third.out, supervision_error::pool_unavailable));
  CHECK_EQ(stats().unavailable, 1u);
  log->allow(2);
  CHECK(eventually([&] { return answered_with(first.out, 1); }));
  CHECK(eventually([&] { return answered_with(second.out, 2); }));
  CHECK_EQ(log->handled(), std::vector<int>{1, 2});
}

TEST_CASE_FIXTURE(
  fixture<>, "a request waiting for a free slot fails with pool_unavailable after queue_timeout") {
  auto spec = limited_pool();
  spec.queue_timeout = 100ms;
  start(spec);
  auto first = request_running(gated(1));
  auto second = request(gated(2));
  REQUIRE(eventually([&] { return second.out->get().has_value(); }, 5s));
  CHECK(failed_with(second.out, supervision_error::pool_unavailable));
  auto st = stats();
  CHECK_EQ(st.queued, 0u);
  CHECK_EQ(st.unavailable, 1u);
  log->allow(1);
  CHECK(eventually([&] { return answered_with(first.out, 1); }));
  CHECK_EQ(log->handled(), std::vector<int>{1});
}

TEST_CASE_FIXTURE(fixture<>,
                  "a worker's death frees its slot: a waiting request runs on its restart") {
  start(limited_pool());
  auto first = request_running(task{.value = 1, .hold = true, .gated = true});
  auto second = request_queued(gated(2), 1);
  auto victim = sys.find_actor(log->holder.load());
  REQUIRE(victim);
  self->send_exit(victim, exit_reason::kill);
  log->allow(1);
  // Not idempotent: the held request fails; the waiting one runs on the
  // restarted worker.
  REQUIRE(eventually([&] { return first.out->get().has_value(); }));
  CHECK(failed_with(first.out, supervision_error::worker_failed));
  REQUIRE(eventually([&] { return answered_with(second.out, 2); }));
  CHECK_EQ(log->handled(), std::vector<int>{1, 2});
  auto st = stats();
  CHECK_EQ(st.restarts, 1u);
  CHECK_EQ(st.failed, 1u);
  CHECK_EQ(st.queued, 0u);
  CHECK(eventually([&] { return in_flight() == 0; }));
}

TEST_CASE_FIXTURE(fixture<>,
                  "an idempotent pool's request moved off a dead worker waits its turn and runs") {
  auto spec = limited_pool();
  spec.idempotent = true;
  start(spec);
  auto first = request_running(task{.value = 1, .hold = true, .gated = true});
  auto second = request_queued(gated(2), 1);
  auto victim = sys.find_actor(log->holder.load());
  REQUIRE(victim);
  self->send_exit(victim, exit_reason::kill);
  log->allow(2);
  // Both are answered by the restarted worker, one at a time: the held
  // request (re-dispatched, not held again) and the waiting one.
  REQUIRE(eventually([&] { return answered_with(first.out, 1); }));
  REQUIRE(eventually([&] { return answered_with(second.out, 2); }));
  auto handled = log->handled();
  CHECK_EQ(handled.size(), 3u); // 1 held, then 1 again and 2 in some order
  auto st = stats();
  CHECK_EQ(st.redispatched, 1u);
  CHECK_EQ(st.failed, 0u);
  CHECK_EQ(st.served, 2u);
  CHECK_EQ(st.queued, 0u);
  CHECK(eventually([&] { return in_flight() == 0; }));
}

TEST_CASE_FIXTURE(fixture<>, "broadcast requests bypass the in-flight limit") {
  auto spec = limited_pool();
  spec.dispatch = broadcast{};
  start(spec);
  auto first = request_running(gated(1));
  auto second = request(gated(2));
  // Sent to the worker at once (it is in its mailbox), not queued.
  REQUIRE(eventually([&] { return in_flight() == 2; }));
  CHECK_EQ(stats().queued, 0u);
  log->allow(2);
  CHECK(eventually([&] { return answered_with(first.out, 1); }));
  CHECK(eventually([&] { return answered_with(second.out, 2); }));
}
