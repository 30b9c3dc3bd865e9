#include <doctest/doctest.h>

#include <atomic>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include <ringactor/all.hpp>

#include "test_util.hpp"

using namespace ringactor;
using namespace std::chrono_literals;
using test_util::eventually;

namespace {

struct finish {};

behavior finisher(event_based_actor* self) {
  return {[self](finish) { self->quit(); }};
}

class class_finisher : public event_based_actor {
public:
  using event_based_actor::event_based_actor;
  behavior make_behavior() override {
    return {[this](finish) { quit(); }};
  }
};

} // namespace

TEST_SUITE_BEGIN("libactor");

TEST_CASE("await_all_actors_done returns after the last actor quits, not before") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  std::vector<actor> actors;
  for (int i = 0; i < 4; ++i)
    actors.push_back(sys.spawn(finisher));
  // A scoped actor of the waiting thread does not count.
  scoped_actor self{sys};
  std::promise<void> returned;
  auto done = returned.get_future();
  std::thread waiter{[&] {
    sys.await_all_actors_done();
    returned.set_value();
  }};
  for (size_t i = 0; i + 1 < actors.size(); ++i)
    anon_send(actors[i], finish{});
  // Three of four quit; wait until the system says so, then make sure the
  // waiter is still waiting for the fourth.
  REQUIRE(eventually([&] { return sys.stats().actors_alive == 1; }));
  CHECK_EQ(done.wait_for(200ms), std::future_status::timeout);
  anon_send(actors.back(), finish{});
  CHECK_EQ(done.wait_for(5s), std::future_status::ready);
  waiter.join();
  CHECK_EQ(sys.stats().actors_alive, 0u);
}

TEST_CASE("await_all_actors_done returns at once when no actor was spawned") {
  actor_system sys{actor_system_config{}.set_workers(1)};
  scoped_actor self{sys};
  sys.await_all_actors_done();
  CHECK_EQ(sys.stats().actors_alive, 0u);
}

TEST_CASE("spawning after shutdown throws system_shut_down instead of yielding a dead actor") {
  actor_system sys{actor_system_config{}.set_workers(1)};
  sys.shutdown();
  CHECK_THROWS_AS(sys.spawn(finisher), system_shut_down);
  CHECK_THROWS_AS(sys.spawn<class_finisher>(), system_shut_down);
  try {
    sys.spawn(finisher);
  } catch (const system_shut_down& e) {
    CHECK_NE(std::string{e.what()}.find("shut down"), std::string::npos);
  }
  CHECK_EQ(sys.stats().actors_spawned, 0u);
}

TEST_CASE("an actor that spawns while the system shuts down catches system_shut_down") {
  actor_system sys{actor_system_config{}.set_workers(1)};
  std::promise<std::string> caught;
  auto a = sys.spawn([&](event_based_actor* self) -> behavior {
    // Traps the shutdown's exit message and tries to spawn a replacement.
    self->set_exit_handler([&, self](exit_msg&) {
      try {
        self->spawn<linked>(finisher);
        caught.set_value("no exception");
      } catch (const system_shut_down& e) {
        caught.set_value(e.what());
      }
      self->quit();
    });
    return {[](finish) {}};
  });
  auto report = sys.shutdown();
  CHECK(report.clean());
  auto f = caught.get_future();
  REQUIRE(f.wait_for(5s) == std::future_status::ready);
  CHECK_NE(f.get().find("shut down"), std::string::npos);
  CHECK_EQ(sys.stats().actors_spawned, 1u);
}

TEST_CASE("shutdown with a grace of its own waits that long, not the configured grace") {
  // Configured: 10 s. The handler blocks for longer than the 100 ms given.
  actor_system sys{actor_system_config{}.set_workers(2).set_shutdown_grace(10s)};
  std::promise<void> entered;
  std::promise<void> release;
  std::promise<void> left;
  auto released = release.get_future().share();
  auto a = sys.spawn([&](event_based_actor*) -> behavior {
    return {[&entered, &left, released](finish) {
      entered.set_value();
      released.wait_for(20s);
      left.set_value();
    }};
  });
  anon_send(a, finish{});
  REQUIRE(entered.get_future().wait_for(5s) == std::future_status::ready);
  auto start = std::chrono::steady_clock::now();
  auto report = sys.shutdown(100ms);
  auto took = std::chrono::steady_clock::now() - start;
  release.set_value(); // the detached worker leaves the handler
  CHECK(left.get_future().wait_for(5s) == std::future_status::ready);
  CHECK_GE(took, 100ms);
  CHECK_LT(took, 2s);
  REQUIRE_EQ(report.stragglers.size(), 1u);
  CHECK_EQ(report.stragglers.front().id, a.id());
}
