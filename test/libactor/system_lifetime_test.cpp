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
