// Health as a value: the registry, and the scheduler's liveness probe.
#include <doctest/doctest.h>

#include <chrono>
#include <stdexcept>
#include <string>

#include <ringactor/all.hpp>

#include "../test_util.hpp"

using namespace ringactor;
using namespace std::chrono_literals;

namespace {

struct block {};

bool worker_fails(const health_report& r) {
  for (auto& c : r.components)
    if (c.component.starts_with("scheduler.worker.") && !c.ok)
      return true;
  return false;
}

} // namespace

TEST_CASE("an idle system is live and names every scheduler worker") {
  actor_system sys{actor_system_config{}.set_workers(3)};
  auto live = sys.health().liveness();
  CHECK(live.ok);
  CHECK(live.kind == health_kind::liveness);
  for (int i = 0; i < 3; ++i) {
    auto c = live.find("scheduler.worker." + std::to_string(i));
    REQUIRE(c != nullptr);
    CHECK(c->ok);
  }
  // Nothing registered for readiness yet: ready, with no components.
  auto ready = sys.health().readiness();
  CHECK(ready.ok);
  CHECK(ready.components.empty());
}

TEST_CASE("a worker stuck in a handler fails liveness after the stall timeout, and passes "
          "again once the handler returns") {
  actor_system sys{actor_system_config{}.set_workers(2).set_worker_stall_timeout(200ms)};
  test_util::gate release;
  std::atomic<bool> entered{false};
  auto a = sys.spawn([&]() -> behavior {
    return {[&](block) {
      entered = true;
      release.wait();
    }};
  });
  anon_send(a, block{});
  REQUIRE(test_util::eventually([&] { return entered.load(); }));
  CHECK(sys.health().liveness().ok); // not for long enough yet
  REQUIRE(test_util::eventually([&] { return worker_fails(sys.health().liveness()); }, 10s));
  auto live = sys.health().liveness();
  CHECK_FALSE(live.ok);
  for (auto& c : live.components)
    if (!c.ok)
      CHECK(c.reason.find("no job finished for") != std::string::npos);
  release.open();
  CHECK(test_util::eventually([&] { return sys.health().liveness().ok; }, 10s));
}

TEST_CASE("a probe that throws fails its check and the other probes still run") {
  actor_system sys{actor_system_config{}.set_workers(1)};
  auto bad = sys.health().add(health_kind::readiness, [](std::vector<component_health>&) {
    throw std::runtime_error("cannot read the sensor");
  });
  auto good = sys.health().add(health_kind::readiness, [](std::vector<component_health>& out) {
    out.push_back({"sensor.b", true, "fine"});
  });
  auto r = sys.health().readiness();
  CHECK_FALSE(r.ok);
  REQUIRE(r.find("health.probe") != nullptr);
  CHECK(r.find("health.probe")->reason.find("cannot read the sensor") != std::string::npos);
  REQUIRE(r.find("sensor.b") != nullptr);
  CHECK(r.find("sensor.b")->ok);
}

TEST_CASE("a probe handle removes its probe, and put replaces the probe of the same key") {
  health_registry reg;
  auto h = reg.add(health_kind::readiness, [](std::vector<component_health>& out) {
    out.push_back({"a", false, "down"});
  });
  CHECK_FALSE(reg.readiness().ok);
  auto moved = std::move(h);
  CHECK_FALSE(h);
  CHECK_FALSE(reg.readiness().ok);
  moved.reset();
  CHECK(reg.readiness().ok);
  reg.put(health_kind::readiness, "k", [](std::vector<component_health>& out) {
    out.push_back({"k", false, "first"});
  });
  reg.put(health_kind::readiness, "k", [](std::vector<component_health>& out) {
    out.push_back({"k", true, "second"});
  });
  auto r = reg.readiness();
  REQUIRE(r.components.size() == 1);
  CHECK(r.components[0].reason == "second");
  reg.remove("k");
  CHECK(reg.readiness().components.empty());
  // A handle that outlives its registry is harmless.
  health_registry::handle late;
  {
    health_registry inner;
    late = inner.add(health_kind::liveness, [](std::vector<component_health>&) {});
  }
  late.reset();
}

TEST_CASE("components come sorted by name, and liveness and readiness probes stay apart") {
  health_registry reg;
  auto a = reg.add(health_kind::liveness, [](std::vector<component_health>& out) {
    out.push_back({"z", true, ""});
    out.push_back({"b", true, ""});
  });
  auto b = reg.add(health_kind::readiness, [](std::vector<component_health>& out) {
    out.push_back({"r", false, "no"});
  });
  auto live = reg.liveness();
  CHECK(live.ok);
  REQUIRE(live.components.size() == 2);
  CHECK(live.components[0].component == "b");
  CHECK(live.components[1].component == "z");
  CHECK_FALSE(reg.readiness().ok);
}
