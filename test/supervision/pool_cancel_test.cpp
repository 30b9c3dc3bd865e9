// A pool's cancel_request (pool_stats.hpp): a requester cancels its own
// request; a queued one never reaches a worker, the reply of a running one
// is dropped, nothing is re-dispatched, other requesters and unknown ids
// change nothing.
#include <doctest/doctest.h>

#include <optional>

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

bool is_cancelled(const std::optional<expected<int>>& r) {
  return r && !r->has_value() && r->error() == supervision_error::request_cancelled;
}

} // namespace

TEST_SUITE_BEGIN("supervision");

TEST_CASE_FIXTURE(fixture<2>,
                  "a queued request cancelled by its requester never reaches a worker") {
  // No worker yet: requests wait in the pool's queue.
  start(pool<job_if>{.size = 0, .queue_timeout = 10s});
  auto requester = request_queued(task{.value = 42}, 1);
  self->send(requester.from, cancel_it{});
  // Answered at once, not after the 10 s queue timeout.
  REQUIRE(eventually([&] { return requester.out->get().has_value(); }, 5s));
  CHECK_MESSAGE(is_cancelled(requester.out->get()), to_string(requester.out->get()->error()));
  auto st = stats();
  CHECK_EQ(st.queued, 0u);
  CHECK_EQ(st.cancelled, 1u);
  CHECK_EQ(st.unavailable, 0u);
  // A worker starts: it gets only the request made after the cancel (a
  // queued request would have run first).
  REQUIRE(self->request(actor_cast<actor>(p), 5s, pool_resize{1}).get().has_value());
  auto r = self->request(p, 5s, task{.value = 42}).get();
  REQUIRE(r.has_value());
  CHECK_EQ(log->handled().size(), 1u);
  st = stats();
  CHECK_EQ(in_flight_of(st), 0u);
  CHECK_EQ(st.served, 1u);
}

TEST_CASE_FIXTURE(fixture<2>, "a requester cannot cancel another requester's request") {
  start(pool<job_if>{.size = 0, .queue_timeout = 10s});
  auto requester = request_queued(task{.value = 42}, 1);
  // The same id from another actor: the pool matches the sender too. The
  // statistics, asked after it by the same sender, see its effect.
  self->send(actor_cast<actor>(p), cancel_request{message_id{requester.out->id.load()}});
  auto st = stats();
  CHECK_EQ(st.queued, 1u);
  CHECK_EQ(st.cancelled, 0u);
  CHECK_FALSE(requester.out->get().has_value());
  // Its own requester can.
  self->send(requester.from, cancel_it{});
  REQUIRE(eventually([&] { return requester.out->get().has_value(); }, 5s));
  CHECK(is_cancelled(requester.out->get()));
  CHECK_EQ(stats().cancelled, 1u);
}

TEST_CASE_FIXTURE(
  fixture<3>,
  "a cancelled request a worker holds is answered at once and its late reply is dropped") {
  start(pool<job_if>{.size = 1});
  auto requester = request_running(gated(42));
  self->send(requester.from, cancel_it{});
  REQUIRE(eventually([&] { return requester.out->get().has_value(); }, 5s));
  CHECK(is_cancelled(requester.out->get()));
  // The worker still holds it: the pool cannot stop a handler mid-message.
  auto st = stats();
  CHECK_EQ(in_flight_of(st), 1u);
  CHECK_EQ(st.cancelled, 1u);
  log->allow(1);
  // Its reply comes and is dropped: in flight 0, nothing served.
  CHECK(eventually([&] { return in_flight() == 0; }, 5s));
  st = stats();
  CHECK_EQ(st.served, 0u);
  CHECK(is_cancelled(requester.out->get()));
  // The pool serves on.
  auto r = self->request(p, 5s, task{.value = 42}).get();
  REQUIRE(r.has_value());
  CHECK_EQ(*r, 42);
}

TEST_CASE_FIXTURE(fixture<2>, "a cancel_request for an unknown request is ignored") {
  start(pool<job_if>{.size = 1});
  self->send(actor_cast<actor>(p), cancel_request{message_id::make_request(987654)});
  self->send(actor_cast<actor>(p), cancel_request{message_id{}});
  auto st = stats();
  CHECK_EQ(st.cancelled, 0u);
  // A finished request is unknown too.
  auto requester = request(task{.value = 42});
  REQUIRE(eventually([&] { return requester.out->get().has_value(); }, 5s));
  REQUIRE(requester.out->get()->has_value());
  self->send(requester.from, cancel_it{});
  CHECK(eventually([&] { return log->handled().size() == 1u; }));
  auto r = self->request(p, 5s, task{.value = 42}).get();
  REQUIRE(r.has_value());
  st = stats();
  CHECK_EQ(st.cancelled, 0u);
  CHECK_EQ(st.served, 2u);
}

TEST_CASE_FIXTURE(fixture<2>, "a cancelled request is not re-dispatched when its worker dies") {
  start(pool<job_if>{.size = 2, .idempotent = true});
  auto requester = request_running(task{.value = 42, .hold = true});
  self->send(requester.from, cancel_it{});
  REQUIRE(eventually([&] { return requester.out->get().has_value(); }, 5s));
  CHECK(is_cancelled(requester.out->get()));
  auto victim = sys.find_actor(log->holder.load());
  REQUIRE(victim);
  self->send_exit(victim, exit_reason::kill);
  // The worker is restarted; the request it held goes nowhere.
  CHECK(eventually([&] { return stats().restarts == 1; }));
  CHECK(eventually([&] { return in_flight() == 0; }));
  auto st = stats();
  CHECK_EQ(st.redispatched, 0u);
  CHECK_EQ(st.failed, 0u);
  CHECK_EQ(st.cancelled, 1u);
  CHECK_EQ(log->handled().size(), 1u);
}
