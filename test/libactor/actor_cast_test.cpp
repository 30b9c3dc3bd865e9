#include <doctest/doctest.h>

#include <future>

#include <ringactor/all.hpp>

#include "test_util.hpp"

using namespace ringactor;
using namespace std::chrono_literals;
using test_util::eventually;

namespace {

struct add {
  int a, b;
};

using cast_calculator = typed_actor<result<int>(add)>;

struct calc_state {
  int calls = 0;
};

} // namespace

TEST_SUITE_BEGIN("libactor");

TEST_CASE("actor_cast<actor>(self) is a handle to the event-based actor itself") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  std::promise<actor> me;
  auto a = sys.spawn([&](event_based_actor* self) -> behavior {
    me.set_value(actor_cast<actor>(self));
    // A message to oneself through the cast handle arrives.
    self->send(actor_cast<actor>(self), 1);
    return {[](int x) { return x + 1; }};
  });
  auto f = me.get_future();
  REQUIRE(f.wait_for(5s) == std::future_status::ready);
  CHECK_EQ(f.get(), a);
  scoped_actor scoped{sys};
  CHECK_EQ(scoped->request(a, 5s, 41).get<int>().value(), 42);
}

TEST_CASE("actor_cast turns a typed self pointer into the typed handle") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  std::promise<cast_calculator> me;
  cast_calculator c = sys.spawn(
    [&](cast_calculator::pointer self) -> cast_calculator::behavior_type {
      me.set_value(actor_cast<cast_calculator>(self));
      return {[](add m) { return m.a + m.b; }};
    });
  auto f = me.get_future();
  REQUIRE(f.wait_for(5s) == std::future_status::ready);
  CHECK_EQ(f.get(), c);
}

TEST_CASE("actor_cast turns a typed stateful self pointer into the typed and untyped handle") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  std::promise<std::pair<cast_calculator, actor>> me;
  cast_calculator c = sys.spawn(
    [&](cast_calculator::stateful_pointer<calc_state> self) -> cast_calculator::behavior_type {
      me.set_value({actor_cast<cast_calculator>(self), actor_cast<actor>(self)});
      return {[self](add m) { return m.a + m.b + self->state.calls++; }};
    });
  auto f = me.get_future();
  REQUIRE(f.wait_for(5s) == std::future_status::ready);
  auto [typed, untyped] = f.get();
  CHECK_EQ(typed, c);
  CHECK_EQ(untyped.id(), c.id());
}

TEST_CASE("actor_cast converts between handles, addresses and strong pointers") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  cast_calculator c = sys.spawn([](cast_calculator::pointer) -> cast_calculator::behavior_type {
    return {[](add m) { return m.a + m.b; }};
  });
  auto untyped = actor_cast<actor>(c);
  CHECK_EQ(untyped.id(), c.id());
  CHECK_EQ(actor_cast<cast_calculator>(untyped), c);
  auto addr = actor_cast<actor_addr>(c);
  CHECK_EQ(addr, c.address());
  CHECK_EQ(actor_cast<actor>(addr), untyped);
  CHECK_EQ(actor_cast<cast_calculator>(addr), c);
  auto ptr = actor_cast<strong_actor_ptr>(untyped);
  CHECK_EQ(ptr, c.ctrl());
  CHECK_EQ(actor_cast<cast_calculator>(ptr), c);
  CHECK_EQ(actor_cast<actor_addr>(ptr), addr);
  scoped_actor self{sys};
  CHECK_EQ(actor_cast<actor>(self), self.as_actor());
  CHECK_EQ(actor_cast<actor_addr>(self), self.address());
  CHECK_EQ(actor_cast<actor>(self.get()), self.as_actor());
}

TEST_CASE("actor_cast of the address of an actor that is gone yields an invalid handle") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  actor_addr addr;
  {
    auto a = sys.spawn([](event_based_actor*) -> behavior { return {[](int) {}}; });
    addr = actor_cast<actor_addr>(a);
    CHECK(actor_cast<actor>(addr));
  }
  // The last handle is gone: the actor becomes unreachable and exits.
  CHECK(eventually([&] { return !actor_cast<actor>(addr); }));
  CHECK_FALSE(actor_cast<cast_calculator>(addr));
}
