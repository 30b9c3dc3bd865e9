// A pool's readiness (actor_system::health()): ready while it has its
// minimum of live workers, not ready without them, and not ready under its
// name after it gave up.
#include <doctest/doctest.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>

#include <ringactor/all.hpp>
#include <ringactor/supervision/all.hpp>

#include "test_util.hpp"

using namespace ringactor;
using namespace ringactor::supervision;
using namespace std::chrono_literals;
using test_util::eventually;

namespace {

struct health_crash {};
struct health_ping {};

using crash_if = typed_actor<result<int>(health_crash), result<int>(health_ping)>;

crash_if::behavior_type crashing_worker(crash_if::pointer) {
  return {
    [](health_crash) -> int { throw std::runtime_error("crash"); },
    [](health_ping) { return 1; },
  };
}

/// The pool's readiness entry, as `ok` / `not ok` / `absent`.
std::string pool_state(actor_system& sys, const std::string& name) {
  auto r = sys.health().readiness();
  auto c = r.find("pool." + name);
  if (c == nullptr)
    return "absent";
  return c->ok ? "ok" : "not ok";
}

} // namespace

TEST_CASE("a pool is not ready once it has lost every worker, and ready again after the "
          "restart") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto can_start = std::make_shared<std::atomic<bool>>(true);
  auto p = sys.spawn(pool<crash_if>{
    .size = 2,
    .factory =
      [can_start](actor_system& s) {
        if (!can_start->load())
          throw std::runtime_error("the device is busy");
        return s.spawn(crashing_worker);
      },
    .strategy = one_for_one{.max_restarts = 1000,
                            .within = 10s,
                            .backoff = supervision::backoff{.initial = 5ms, .max = 20ms}},
    .name = "inference",
    .min_live_workers = 2,
  });
  REQUIRE(eventually([&] { return pool_state(sys, "inference") == "ok"; }));
  auto r = sys.health().readiness();
  CHECK(r.ok);
  CHECK(r.find("pool.inference")->reason == "2 of 2 workers live (at least 2 needed)");
  can_start->store(false);
  anon_send(p, health_crash{}); // one worker dies and cannot come back: 1 of 2 < 2
  REQUIRE(eventually([&] { return pool_state(sys, "inference") == "not ok"; }));
  CHECK_FALSE(sys.health().readiness().ok);
  can_start->store(true);
  CHECK(eventually([&] { return pool_state(sys, "inference") == "ok"; }));
  anon_send_exit(p, exit_reason::user_shutdown);
  // A pool that was stopped leaves readiness.
  CHECK(eventually([&] { return pool_state(sys, "inference") == "absent"; }));
}

TEST_CASE("a pool that gave up stays not ready under its name until a pool of that name "
          "starts") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto spawn_pool = [&] {
    return sys.spawn(pool<crash_if>{
      .size = 1,
      .factory = [](actor_system& s) { return s.spawn(crashing_worker); },
      .strategy = one_for_one{.max_restarts = 0, .within = 10s},
      .name = "fragile",
    });
  };
  auto p = spawn_pool();
  scoped_actor self{sys};
  self->monitor(p);
  REQUIRE(eventually([&] { return pool_state(sys, "fragile") == "ok"; }));
  anon_send(p, health_crash{});
  error reason;
  self->receive_for(10s, [&](down_msg& d) { reason = d.reason; });
  CHECK(reason == supervision_error::restart_intensity_exceeded);
  auto r = sys.health().readiness();
  REQUIRE(r.find("pool.fragile") != nullptr);
  CHECK_FALSE(r.find("pool.fragile")->ok);
  CHECK(r.find("pool.fragile")->reason.find("gave up") != std::string::npos);
  auto again = spawn_pool();
  CHECK(eventually([&] { return pool_state(sys, "fragile") == "ok"; }));
  anon_send_exit(again, exit_reason::user_shutdown);
}
