// Idle timeouts in behaviors: after(d) >> f.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>

#include <ringactor/all.hpp>

#include "test_util.hpp"

using namespace ringactor;
using namespace std::chrono_literals;
using test_util::eventually;

namespace {

using clock_type = std::chrono::steady_clock;

struct tick {
  int n;
};

} // namespace

TEST_SUITE_BEGIN("libactor");

TEST_CASE("an idle timeout fires when the actor received nothing for its duration") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  std::atomic<bool> fired{false};
  scoped_actor self{sys};
  auto start = clock_type::now();
  std::atomic<clock_type::rep> fired_after{0};
  auto a = sys.spawn([&](event_based_actor* me) -> behavior {
    return {
      [](int x) { return x; },
      after(30ms) >>
        [&, me] {
          fired_after = (clock_type::now() - start).count();
          fired = true;
          me->quit();
        },
    };
  });
  self->monitor(a);
  REQUIRE(eventually([&] { return fired.load(); }));
  CHECK_GE(clock_type::duration{fired_after.load()}, 30ms);
  error reason{sec::runtime_error};
  CHECK(self->receive_for(5s, [&](down_msg& d) { reason = d.reason; }));
  CHECK_FALSE(reason);
}

TEST_CASE("every handled message re-arms the idle timeout") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  // The actor sends itself 20 ticks 10 ms apart (200 ms in all): an idle
  // timeout of 60 ms must not fire before the last one.
  constexpr int ticks = 20;
  std::atomic<int> seen_at_fire{-1};
  std::atomic<clock_type::rep> quiet_for{0};
  auto a = sys.spawn([&](event_based_actor* me) -> behavior {
    auto seen = std::make_shared<int>(0);
    auto last = std::make_shared<clock_type::time_point>(clock_type::now());
    me->delayed_send(actor{me->ctrl()}, 10ms, tick{1});
    return {
      [me, seen, last](tick t) {
        *seen = t.n;
        *last = clock_type::now();
        if (t.n < ticks)
          me->delayed_send(actor{me->ctrl()}, 10ms, tick{t.n + 1});
      },
      after(60ms) >>
        [&, me, seen, last] {
          quiet_for = (clock_type::now() - *last).count();
          seen_at_fire = *seen;
          me->quit();
        },
    };
  });
  REQUIRE(eventually([&] { return seen_at_fire.load() != -1; }));
  CHECK_EQ(seen_at_fire.load(), ticks);
  CHECK_GE(clock_type::duration{quiet_for.load()}, 60ms);
}

TEST_CASE("an actor whose behavior has only an idle timeout stays alive until it fires") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  std::atomic<bool> fired{false};
  scoped_actor self{sys};
  auto a = sys.spawn([&](event_based_actor* me) -> behavior {
    return {after(20ms) >> [&, me] {
      fired = true;
      me->quit();
    }};
  });
  self->monitor(a);
  error reason{sec::runtime_error};
  CHECK(self->receive_for(5s, [&](down_msg& d) { reason = d.reason; }));
  CHECK(fired.load());
  CHECK_FALSE(reason);
}

TEST_CASE("an actor with an idle timeout and no handle left stays alive until it fires") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  std::atomic<bool> fired{false};
  scoped_actor self{sys};
  {
    auto a = sys.spawn([&](event_based_actor* me) -> behavior {
      return {[](int) {}, after(20ms) >>
                            [&, me] {
                              fired = true;
                              me->quit();
                            }};
    });
    self->monitor(a);
  } // the last handle goes: the pending idle timer keeps the actor
  error reason{sec::runtime_error};
  CHECK(self->receive_for(5s, [&](down_msg& d) { reason = d.reason; }));
  CHECK(fired.load());
  CHECK_FALSE(reason); // not exit_reason::unreachable
}

TEST_CASE("an idle timeout fires again every period while the actor stays idle") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  std::atomic<int> fires{0};
  scoped_actor self{sys};
  auto a = sys.spawn([&](event_based_actor* me) -> behavior {
    return {[](int x) { return x; }, after(5ms) >>
                                       [&, me] {
                                         if (++fires == 3)
                                           me->quit();
                                       }};
  });
  self->monitor(a);
  CHECK(self->receive_for(5s, [](down_msg&) {}));
  CHECK_EQ(fires.load(), 3);
}

TEST_CASE("become replaces the idle timeout with the new behavior's") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  std::atomic<int> which{0};
  scoped_actor self{sys};
  auto a = sys.spawn([&](event_based_actor* me) -> behavior {
    return {
      [&, me](int) {
        me->become(behavior{[](int) {}, after(10ms) >>
                                          [&, me] {
                                            which = 2;
                                            me->quit();
                                          }});
      },
      after(1h) >> [&] { which = 1; },
    };
  });
  self->monitor(a);
  self->send(a, 1);
  CHECK(self->receive_for(5s, [](down_msg&) {}));
  CHECK_EQ(which.load(), 2);
}

TEST_CASE("a typed behavior may end with an idle timeout") {
  using echo = typed_actor<result<int>(int)>;
  actor_system sys{actor_system_config{}.set_workers(2)};
  std::atomic<bool> fired{false};
  scoped_actor self{sys};
  echo a = sys.spawn([&](echo::pointer me) -> echo::behavior_type {
    return {
      [](int x) { return x; },
      after(300ms) >>
        [&, me] {
          fired = true;
          me->quit();
        },
    };
  });
  CHECK_EQ(self->request(a, 1s, 7).get<int>().value(), 7);
  self->monitor(a);
  CHECK(self->receive_for(5s, [](down_msg&) {}));
  CHECK(fired.load());
}

TEST_SUITE_END();
