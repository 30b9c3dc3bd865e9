#include <doctest/doctest.h>

#include <future>
#include <thread>

#include <ringactor/all.hpp>

using namespace ringactor;
using namespace std::chrono_literals;

namespace {

struct ping {
  int value;
};

using pinger = typed_actor<result<void>(ping)>;

struct seen {
  int value;
  bool had_sender;
};

} // namespace

TEST_SUITE_BEGIN("libactor");

TEST_CASE("anon_send from a plain thread delivers a message without a sender") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  std::promise<seen> got;
  auto a = sys.spawn([&](event_based_actor* self) -> behavior {
    return {[&, self](int x) {
      got.set_value(seen{x, self->current_sender() != nullptr});
      self->quit();
    }};
  });
  std::thread sender{[a] { anon_send(a, 42); }};
  sender.join();
  auto f = got.get_future();
  REQUIRE(f.wait_for(5s) == std::future_status::ready);
  auto s = f.get();
  CHECK_EQ(s.value, 42);
  CHECK_FALSE(s.had_sender);
}

TEST_CASE("anon_send to a typed handle delivers a message its interface accepts") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  std::promise<int> got;
  pinger p = sys.spawn([&](pinger::pointer self) -> pinger::behavior_type {
    return {[&, self](ping m) {
      got.set_value(m.value);
      self->quit();
    }};
  });
  anon_send(p, ping{7});
  auto f = got.get_future();
  REQUIRE(f.wait_for(5s) == std::future_status::ready);
  CHECK_EQ(f.get(), 7);
}

TEST_CASE("a value returned for an anonymous message goes nowhere and the actor goes on") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto a = sys.spawn([](event_based_actor*) -> behavior { return {[](int x) { return x + 1; }}; });
  anon_send(a, 1);
  scoped_actor self{sys};
  CHECK_EQ(self->request(a, 5s, 2).get<int>().value(), 3);
}

TEST_CASE("anon_send to an invalid handle does nothing") {
  actor_system sys{actor_system_config{}.set_workers(1)};
  actor none;
  anon_send(none, 1); // must neither crash nor throw
  CHECK_FALSE(none);
}

TEST_CASE("anon_send_exit ends an actor with the reason, seen by its monitor") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto a = sys.spawn([](event_based_actor*) -> behavior { return {[](int) {}}; });
  auto b = sys.spawn([](event_based_actor*) -> behavior { return {[](int) {}}; });
  scoped_actor self{sys};
  self->monitor(a);
  self->monitor(b);
  anon_send_exit(a, exit_reason::kill);
  anon_send_exit(b.address(), exit_reason::user_shutdown); // an actor_addr works too
  int seen = 0;
  for (int i = 0; i < 2; ++i)
    REQUIRE(self->receive_for(5s, [&](down_msg& d) {
      if (d.source == a.address()) {
        CHECK_EQ(d.reason, exit_reason::kill);
        seen |= 1;
      } else if (d.source == b.address()) {
        CHECK_EQ(d.reason, exit_reason::user_shutdown);
        seen |= 2;
      }
    }));
  CHECK_EQ(seen, 3);
}

TEST_CASE("an actor trapping exits sees an anonymous exit message without a source") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  std::promise<std::pair<bool, error>> got;
  auto a = sys.spawn([&](event_based_actor* self) -> behavior {
    self->set_exit_handler([&, self](exit_msg& m) {
      got.set_value({static_cast<bool>(m.source), m.reason});
      self->quit();
    });
    return {[](int) {}};
  });
  anon_send_exit(a, exit_reason::user_shutdown);
  auto f = got.get_future();
  REQUIRE(f.wait_for(5s) == std::future_status::ready);
  auto [has_source, reason] = f.get();
  CHECK_FALSE(has_source);
  CHECK_EQ(reason, exit_reason::user_shutdown);
}
