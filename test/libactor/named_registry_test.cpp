#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <ringactor/all.hpp>

using namespace ringactor;
using namespace std::chrono_literals;

namespace {

struct reg_add {
  int a, b;
};
struct stop {};

using calculator = typed_actor<result<int>(reg_add), result<void>(stop)>;
using other_interface = typed_actor<result<int>(int)>;

calculator::behavior_type calculator_impl(calculator::pointer self) {
  return {
    [](reg_add m) { return m.a + m.b; },
    [self](stop) { self->quit(); },
  };
}

} // namespace

TEST_SUITE_BEGIN("libactor");

TEST_CASE("an actor put in the registry is found by name with its interface") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  calculator calc = sys.spawn(calculator_impl);
  REQUIRE(sys.registry().put("calc", calc));
  auto found = sys.registry().get<calculator>("calc");
  REQUIRE(found);
  CHECK_EQ(*found, calc);
  scoped_actor self{sys};
  CHECK_EQ(self->request(*found, 5s, reg_add{2, 3}).get().value(), 5);
  auto untyped = sys.registry().get<actor>("calc");
  REQUIRE(untyped);
  CHECK_EQ(untyped->id(), calc.id());
}

TEST_CASE("asking the registry for the wrong interface is an error naming both interfaces") {
  actor_system sys{actor_system_config{}.set_workers(1)};
  calculator calc = sys.spawn(calculator_impl);
  REQUIRE(sys.registry().put("calc", calc));
  auto wrong = sys.registry().get<other_interface>("calc");
  REQUIRE_FALSE(wrong);
  CHECK_EQ(wrong.error(), sec::interface_mismatch);
  auto text = std::string{wrong.error().context()};
  CHECK_NE(text.find("calc"), std::string::npos);
  CHECK_NE(text.find(std::string{type_name_of<calculator>()}), std::string::npos);
  CHECK_NE(text.find(std::string{type_name_of<other_interface>()}), std::string::npos);
}

TEST_CASE("an untyped registration is not handed out as a typed handle") {
  actor_system sys{actor_system_config{}.set_workers(1)};
  calculator calc = sys.spawn(calculator_impl);
  REQUIRE(sys.registry().put("calc", actor_cast<actor>(calc)));
  auto typed = sys.registry().get<calculator>("calc");
  REQUIRE_FALSE(typed);
  CHECK_EQ(typed.error(), sec::interface_mismatch);
  CHECK_NE(std::string{typed.error().context()}.find("untyped"), std::string::npos);
  CHECK(sys.registry().get<actor>("calc"));
}

TEST_CASE("an unknown name is a no_such_actor error") {
  actor_system sys{actor_system_config{}.set_workers(1)};
  auto missing = sys.registry().get<actor>("nobody");
  REQUIRE_FALSE(missing);
  CHECK_EQ(missing.error(), sec::no_such_actor);
  CHECK_NE(std::string{missing.error().context()}.find("nobody"), std::string::npos);
}

TEST_CASE("the registry rejects an empty name, an invalid handle and a terminated actor") {
  actor_system sys{actor_system_config{}.set_workers(1)};
  calculator calc = sys.spawn(calculator_impl);
  CHECK_EQ(sys.registry().put("", calc).error(), sec::invalid_argument);
  CHECK_EQ(sys.registry().put("none", actor{}).error(), sec::invalid_argument);
  scoped_actor self{sys};
  self->monitor(calc);
  self->send(calc, stop{});
  REQUIRE(self->receive_for(5s, [](down_msg&) {}));
  auto r = sys.registry().put("late", calc);
  REQUIRE_FALSE(r);
  CHECK_EQ(r.error(), sec::invalid_argument);
  CHECK(sys.registry().names().empty());
}

TEST_CASE("names are listed sorted, replaced by a second put, and erased") {
  actor_system sys{actor_system_config{}.set_workers(1)};
  calculator a = sys.spawn(calculator_impl);
  calculator b = sys.spawn(calculator_impl);
  REQUIRE(sys.registry().put("zeta", a));
  REQUIRE(sys.registry().put("alpha", a));
  CHECK_EQ(sys.registry().names(), std::vector<std::string>{"alpha", "zeta"});
  CHECK_EQ(sys.registry().size(), 2u);
  REQUIRE(sys.registry().put("alpha", b));
  CHECK_EQ(sys.registry().get<calculator>("alpha").value(), b);
  CHECK(sys.registry().erase("alpha"));
  CHECK_FALSE(sys.registry().erase("alpha"));
  CHECK_EQ(sys.registry().names(), std::vector<std::string>{"zeta"});
  CHECK_EQ(sys.registry().get<actor>("alpha").error(), sec::no_such_actor);
}

TEST_CASE("an actor that terminates is gone from the registry once its down message arrives") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  calculator calc = sys.spawn(calculator_impl);
  REQUIRE(sys.registry().put("calc", calc));
  REQUIRE(sys.registry().put("calc-too", calc));
  scoped_actor self{sys};
  self->monitor(calc);
  self->send(calc, stop{});
  REQUIRE(self->receive_for(5s, [](down_msg&) {}));
  CHECK_EQ(sys.registry().get<calculator>("calc").error(), sec::no_such_actor);
  CHECK_EQ(sys.registry().get<actor>("calc-too").error(), sec::no_such_actor);
  CHECK(sys.registry().names().empty());
  CHECK_EQ(sys.registry().size(), 0u);
}

TEST_CASE("the registry keeps a registered actor alive without other handles") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto addr = [&] {
    calculator calc = sys.spawn(calculator_impl);
    REQUIRE(sys.registry().put("calc", calc));
    return calc.address();
  }();
  scoped_actor self{sys};
  auto found = sys.registry().get<calculator>("calc");
  REQUIRE(found);
  CHECK_EQ(found->address(), addr);
  CHECK_EQ(self->request(*found, 5s, reg_add{1, 1}).get().value(), 2);
}

TEST_CASE("the registry serves concurrent puts, lookups and erasures while actors terminate") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  constexpr int num_threads = 4;
  constexpr int rounds = 50;
  std::atomic<int> bad{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < num_threads; ++t)
    threads.emplace_back([&, t] {
      scoped_actor self{sys};
      for (int i = 0; i < rounds; ++i) {
        auto name = "w" + std::to_string((t + i) % 3);
        calculator calc = sys.spawn(calculator_impl);
        if (!sys.registry().put(name, calc))
          ++bad;
        // Another thread may stop the actor found at any moment: only
        // that the lookup is consistent (a handle or an error) is checked.
        if (auto found = sys.registry().get<calculator>(name);
            !found && found.error() != sec::no_such_actor)
          ++bad;
        (void) sys.registry().names();
        if (i % 2 == 0)
          sys.registry().erase(name);
        self->send(calc, stop{});
      }
    });
  for (auto& th : threads)
    th.join();
  CHECK_EQ(bad.load(), 0);
  sys.await_all_actors_done();
  CHECK(sys.registry().names().empty());
}
