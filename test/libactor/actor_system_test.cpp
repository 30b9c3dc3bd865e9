#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <thread>

#include <ringactor/all.hpp>

#include "test_util.hpp"

using namespace ringactor;
using namespace std::chrono_literals;
using test_util::eventually;

TEST_SUITE_BEGIN("libactor");

TEST_CASE("a function-based actor answers a request from a scoped actor") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto a = sys.spawn([]() -> behavior { return {[](int x) { return x * 2; }}; });
  scoped_actor self{sys};
  int got = 0;
  self->request(a, 1s, 21).receive([&](int x) { got = x; },
                                   [&](const error& e) { FAIL(to_string(e)); });
  CHECK_EQ(got, 42);
}

TEST_CASE("the configuration sets workers, throughput, idle spin and grace") {
  auto cfg = actor_system_config{}
               .set_workers(3)
               .set_max_throughput(7)
               .set_idle_spin(5us)
               .set_shutdown_grace(250ms);
  actor_system sys{cfg};
  CHECK_EQ(sys.config().workers, 3u);
  CHECK_EQ(sys.config().max_throughput, 7u);
  CHECK_EQ(sys.config().idle_spin, std::chrono::nanoseconds{5us});
  CHECK_EQ(sys.config().shutdown_grace, std::chrono::nanoseconds{250ms});
  CHECK_GE(actor_system_config{}.workers, 1u);
}

TEST_CASE("an actor stuck in a handler is reported by shutdown, which still completes") {
  // The gate outlives this test: the detached worker still uses it after
  // shutdown returned, until the handler got through.
  auto gate = std::make_shared<test_util::gate>();
  actor_id stuck_id = 0;
  shutdown_report report;
  {
    actor_system sys{actor_system_config{}.set_workers(2).set_shutdown_grace(100ms)};
    auto stuck = sys.spawn([gate](event_based_actor* self) -> behavior {
      self->set_name("stuck-worker");
      return {[gate](int) {
        gate->mark_entered();
        gate->wait();
      }};
    });
    auto fine = sys.spawn([]() -> behavior { return {[](int x) { return x; }}; });
    stuck_id = stuck.id();
    scoped_actor self{sys};
    self->send(stuck, 1);
    REQUIRE(gate->wait_entered());
    auto started = std::chrono::steady_clock::now();
    report = sys.shutdown();
    CHECK_LT(std::chrono::steady_clock::now() - started, 5s);
  }
  REQUIRE_EQ(report.stragglers.size(), 1u);
  CHECK_EQ(report.stragglers[0].id, stuck_id);
  CHECK_EQ(report.stragglers[0].name, "stuck-worker");
  gate->open(); // lets the detached worker finish
}

TEST_CASE("shutdown ends idle actors that are still referenced") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto a = sys.spawn([]() -> behavior { return {[](int x) { return x; }}; });
  scoped_actor self{sys};
  self->monitor(a);
  auto report = sys.shutdown();
  CHECK(report.clean());
  CHECK(a.get()->is_terminated());
  CHECK_EQ(a.get()->exit_reason(), exit_reason::user_shutdown);
  CHECK_EQ(sys.stats().actors_alive, 0u);
}

TEST_CASE("an idle system parks its workers") {
  actor_system sys{actor_system_config{}.set_workers(2).set_idle_spin(10us)};
  auto a = sys.spawn([]() -> behavior { return {[](int x) { return x; }}; });
  scoped_actor self{sys};
  for (int i = 0; i < 100; ++i)
    CHECK(self->request(a, 1s, i).get<int>().has_value());
  // Both workers go to sleep once nothing is left to do.
  CHECK(eventually([&] { return sys.stats().parks >= 2; }));
}

TEST_CASE("counters report actors alive, messages processed and parks") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto before = sys.stats();
  CHECK_EQ(before.actors_alive, 0u);
  {
    auto a = sys.spawn([]() -> behavior { return {[](int x) { return x; }}; });
    CHECK_EQ(sys.stats().actors_alive, 1u);
    scoped_actor self{sys};
    for (int i = 0; i < 50; ++i)
      CHECK(self->request(a, 1s, i).get<int>().has_value());
    // Counted once the handler returned, which may be just after its reply.
    CHECK(eventually([&] { return sys.stats().messages_processed >= 50u; }));
    CHECK_EQ(sys.stats().actors_spawned, 1u);
  }
  // The last handle is gone: the actor becomes unreachable and exits.
  CHECK(eventually([&] { return sys.stats().actors_alive == 0; }));
}

TEST_CASE("work is stolen by an idle worker") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  // Two actors, both woken by one actor on one worker, each waiting until
  // the other runs too: that only happens if the idle worker steals one.
  std::atomic<int> started{0};
  std::atomic<int> met{0};
  auto rendezvous = [&]() -> behavior {
    return {[&](int) {
      ++started;
      auto until = std::chrono::steady_clock::now() + 10s;
      while (started.load() < 2 && std::chrono::steady_clock::now() < until)
        std::this_thread::yield();
      if (started.load() == 2)
        ++met;
    }};
  };
  auto spawner = sys.spawn([&](event_based_actor* me) -> behavior {
    return {[&, me](int) {
      auto a = me->spawn(rendezvous);
      auto b = me->spawn(rendezvous);
      me->send(a, 1);
      me->send(b, 2);
    }};
  });
  scoped_actor self{sys};
  self->send(spawner, 0);
  CHECK(eventually([&] { return met.load() == 2; }, 20s));
  CHECK_GT(sys.stats().steals, 0u);
}

TEST_CASE("RINGACTOR_LOG selects the log level") {
  CHECK_EQ(parse_log_level("debug"), log_level::debug);
  CHECK_EQ(parse_log_level("info"), log_level::info);
  CHECK_EQ(parse_log_level("warn"), log_level::warn);
  CHECK_EQ(parse_log_level("error"), log_level::error);
  CHECK_EQ(parse_log_level("bogus"), log_level::warn);
  auto env = std::getenv("RINGACTOR_LOG");
  CHECK_EQ(current_log_level(), env != nullptr ? parse_log_level(env) : log_level::warn);
}

TEST_CASE("log lines below the level are not written") {
  test_util::log_capture capture;
  auto old = current_log_level();
  set_log_level(log_level::error);
  log_warn("hidden {}", 1);
  log_error("shown {}", 2);
  set_log_level(old);
  CHECK_FALSE(capture.contains("hidden 1"));
  CHECK(capture.contains("shown 2"));
}

TEST_SUITE_END();
