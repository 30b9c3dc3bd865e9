// Supervision's metric families move as their events happen: a pool's
// requests served and failed, its in-flight and live workers, restarts by
// reason, escalations (supervision/detail/supervision_metrics.hpp).
#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

#include <ringactor/all.hpp>
#include <ringactor/supervision/all.hpp>

#include "metrics_test_util.hpp"
#include "test_util.hpp"

using namespace ringactor;
using namespace ringactor::supervision;
using namespace std::chrono_literals;
using metrics_test::value_of;
using test_util::eventually;

namespace {

struct work {
  int x;
};
struct crash {};
struct metrics_park {};

using worker_if = typed_actor<result<int>(work), result<int>(crash), result<int>(metrics_park)>;

/// Doubles `work`; throws on `crash`; holds `metrics_park` requests until the next `work`.
worker_if::behavior_type doubler(worker_if::pointer self) {
  auto parked = std::make_shared<std::vector<typed_response_promise<int>>>();
  return {
    [parked](work w) -> int {
      for (auto& rp : *parked)
        rp.deliver(0);
      parked->clear();
      return 2 * w.x;
    },
    [](crash) -> int { throw std::runtime_error("crash on request"); },
    [self, parked](metrics_park) -> result<int> {
      parked->push_back(self->make_response_promise<int>());
      return parked->back();
    },
  };
}

/// A reply's value, or -1 for an error.
int or_minus_one(const expected<int>& x) {
  return x ? *x : -1;
}

double pool_value(actor_system& sys, std::string_view family, std::string_view pool) {
  return value_of(sys.metrics(), family, {pool}).value_or(-1);
}

} // namespace

TEST_SUITE_BEGIN("telemetry");

TEST_CASE("a pool's served requests, in-flight requests and live workers are metrics") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  worker_if p = sys.spawn(pool<worker_if>{
    .size = 2, .factory = [](actor_system& s) { return s.spawn(doubler); }, .name = "doublers"});
  scoped_actor self{sys};
  for (int i = 0; i < 5; ++i)
    REQUIRE(or_minus_one(self->request(p, 5s, work{i}).get<int>()) == 2 * i);
  CHECK(pool_value(sys, "ringactor_pool_served_total", "doublers") == 5);
  CHECK(pool_value(sys, "ringactor_pool_live_workers", "doublers") == 2);
  CHECK(pool_value(sys, "ringactor_pool_in_flight", "doublers") == 0);
  CHECK(pool_value(sys, "ringactor_pool_queued", "doublers") == 0);
  // Two parked requests (round robin: one per worker) are in flight.
  auto a = self->request(p, 5s, metrics_park{});
  auto b = self->request(p, 5s, metrics_park{});
  CHECK(eventually([&] { return pool_value(sys, "ringactor_pool_in_flight", "doublers") == 2; }));
  REQUIRE(or_minus_one(self->request(p, 5s, work{1}).get<int>()) == 2);
  REQUIRE(or_minus_one(self->request(p, 5s, work{1}).get<int>()) == 2);
  CHECK(or_minus_one(a.get<int>()) == 0);
  CHECK(or_minus_one(b.get<int>()) == 0);
  CHECK(eventually([&] { return pool_value(sys, "ringactor_pool_in_flight", "doublers") == 0; }));
  CHECK(pool_value(sys, "ringactor_pool_served_total", "doublers") == 9);
  // An ended pool takes its levels back.
  self->send_exit(p, exit_reason::user_shutdown);
  CHECK(eventually([&] {
    return pool_value(sys, "ringactor_pool_live_workers", "doublers") == 0;
  }));
}

TEST_CASE("a worker that dies with a request counts a restart by reason and worker_failed") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  worker_if p = sys.spawn(pool<worker_if>{
    .size = 1,
    .factory = [](actor_system& s) { return s.spawn(doubler); },
    .strategy = one_for_one{.max_restarts = 10, .within = 10s},
    .name = "crashers"});
  scoped_actor self{sys};
  auto r = self->request(p, 5s, crash{}).get<int>();
  REQUIRE_FALSE(r.has_value());
  CHECK_MESSAGE(r.error() == supervision_error::worker_failed, to_string(r.error()));
  auto& reg = sys.metrics();
  CHECK(value_of(reg, "ringactor_pool_failed_requests_total", {"crashers", "worker_failed"}) == 1);
  CHECK(eventually([&] {
    return value_of(reg, "ringactor_supervision_restarts_total",
                    {"crashers", "worker", "unhandled_exception"})
           == 1;
  }));
  // The restarted worker serves, and live_workers is back at 1.
  CHECK(eventually([&] {
    return pool_value(sys, "ringactor_pool_live_workers", "crashers") == 1;
  }));
  CHECK(or_minus_one(self->request(p, 5s, work{4}).get<int>()) == 8);
}

TEST_CASE("a request no worker takes in time counts as pool_unavailable") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  // Size 0: no worker until a resize, so every request waits, then fails.
  worker_if p = sys.spawn(pool<worker_if>{
    .size = 0,
    .factory = [](actor_system& s) { return s.spawn(doubler); },
    .queue_timeout = 50ms,
    .name = "empty"});
  scoped_actor self{sys};
  auto r = self->request(p, 5s, work{1}).get<int>();
  REQUIRE_FALSE(r.has_value());
  CHECK_MESSAGE(r.error() == supervision_error::pool_unavailable, to_string(r.error()));
  CHECK(value_of(sys.metrics(), "ringactor_pool_failed_requests_total",
                 {"empty", "pool_unavailable"})
        == 1);
  CHECK(pool_value(sys, "ringactor_pool_queued", "empty") == 0);
}

TEST_CASE("a supervisor past its restart intensity counts an escalation and its restarts") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto sup = sys.spawn(supervisor{
    .strategy = one_for_one{.max_restarts = 1, .within = 10s},
    .children = {{.name = "fragile", .start = [](actor_system& s) { return s.spawn(doubler); }}},
    .name = "top"});
  scoped_actor self{sys};
  self->monitor(sup);
  auto& reg = sys.metrics();
  // Each crash kills the child; the second exceeds max_restarts = 1.
  for (int i = 0; i < 2; ++i) {
    auto kids = self->request(sup, 5s, which_children{}).get<std::vector<child_info>>();
    REQUIRE(kids.has_value());
    REQUIRE(kids->size() == 1);
    auto child = kids->front().handle;
    REQUIRE(child);
    CHECK_FALSE(self->request(child, 5s, crash{}).get<int>().has_value());
    if (i == 0)
      CHECK(eventually([&] {
        return value_of(reg, "ringactor_supervision_restarts_total",
                        {"top", "fragile", "unhandled_exception"})
               == 1;
      }));
  }
  CHECK(eventually([&] {
    return value_of(reg, "ringactor_supervision_escalations_total", {"top"}) == 1;
  }));
  CHECK(value_of(reg, "ringactor_supervision_restarts_total",
                 {"top", "fragile", "unhandled_exception"})
        == 1);
}

TEST_SUITE_END();
