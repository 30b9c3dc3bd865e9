#include <doctest/doctest.h>

#include <atomic>
#include <stdexcept>

#include <ringactor/all.hpp>

#include "test_util.hpp"

using namespace ringactor;
using namespace std::chrono_literals;
using test_util::eventually;

namespace {
struct die {
  int how; // 0: normal, 1: abnormal
};
struct get_reason {};
} // namespace

TEST_SUITE_BEGIN("libactor");

namespace {
behavior mortal(event_based_actor* self) {
  return {[self](die d) {
    if (d.how == 0)
      self->quit();
    else
      self->quit(exit_reason::user_shutdown);
  }};
}
} // namespace

TEST_CASE("a monitor receives a down message with the exit reason") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto a = sys.spawn(mortal);
  auto b = sys.spawn(mortal);
  self->monitor(a);
  self->monitor(b);
  self->send(a, die{0});
  self->send(b, die{1});
  int seen = 0;
  for (int i = 0; i < 2; ++i)
    CHECK(self->receive_for(5s, [&](down_msg& d) {
      if (d.source == a.address()) {
        CHECK_FALSE(d.reason);
        seen |= 1;
      } else if (d.source == b.address()) {
        CHECK_EQ(d.reason, exit_reason::user_shutdown);
        seen |= 2;
      }
    }));
  CHECK_EQ(seen, 3);
}

TEST_CASE("monitoring an actor that already exited delivers its down message at once") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto a = sys.spawn(mortal);
  self->monitor(a);
  self->send(a, die{1});
  CHECK(self->receive_for(5s, [](down_msg&) {}));
  self->monitor(a);
  error reason;
  CHECK(self->receive_for(5s, [&](down_msg& d) { reason = d.reason; }));
  CHECK_EQ(reason, exit_reason::user_shutdown);
}

TEST_CASE("an event-based actor handles down messages of actors it monitors") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  std::atomic<int> reason_code{-1};
  auto victim = sys.spawn(mortal);
  auto watcher = sys.spawn([&, victim](event_based_actor* self) -> behavior {
    self->monitor(victim);
    self->set_down_handler([&](down_msg& d) { reason_code = d.reason.code().value(); });
    return {[](int) {}};
  });
  scoped_actor self{sys};
  self->send(victim, die{1});
  CHECK(eventually([&] { return reason_code.load() != -1; }));
  CHECK_EQ(reason_code.load(), static_cast<int>(exit_reason::user_shutdown));
}

TEST_CASE("a link propagates an abnormal exit") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto a = sys.spawn(mortal);
  auto b = sys.spawn([a](event_based_actor* me) -> behavior {
    me->link_to(a);
    return {[](int) {}};
  });
  self->monitor(b);
  self->send(a, die{1});
  error reason;
  CHECK(self->receive_for(5s, [&](down_msg& d) { reason = d.reason; }));
  CHECK_EQ(reason, exit_reason::user_shutdown);
}

TEST_CASE("a link does not propagate a normal exit") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto a = sys.spawn(mortal);
  auto b = sys.spawn([a](event_based_actor* me) -> behavior {
    me->link_to(a);
    return {[](int x) { return x; }};
  });
  self->monitor(a);
  self->send(a, die{0});
  CHECK(self->receive_for(5s, [](down_msg&) {}));
  // b processed the exit message (it comes before this request) and lives on.
  CHECK_EQ(self->request(b, 1s, 5).get<int>().value(), 5);
  CHECK_FALSE(b.get()->is_terminated());
}

TEST_CASE("an actor that traps exits gets the exit message instead of dying") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto a = sys.spawn(mortal);
  auto b = sys.spawn([a](event_based_actor* me) -> behavior {
    auto trapped = std::make_shared<int>(-1);
    me->set_exit_handler([trapped](exit_msg& m) { *trapped = m.reason.code().value(); });
    me->link_to(a);
    return {[trapped](get_reason) { return *trapped; }};
  });
  self->monitor(a);
  self->send(a, die{1});
  CHECK(self->receive_for(5s, [](down_msg&) {}));
  CHECK(eventually([&] {
    return self->request(b, 1s, get_reason{}).get<int>().value()
           == static_cast<int>(exit_reason::user_shutdown);
  }));
}

TEST_CASE("kill cannot be trapped") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto b = sys.spawn([](event_based_actor* me) -> behavior {
    me->set_exit_handler([](exit_msg&) {});
    return {[](int) {}};
  });
  self->monitor(b);
  self->send_exit(b, exit_reason::user_shutdown); // trapped
  self->send_exit(b, exit_reason::kill);          // not trappable
  error reason;
  CHECK(self->receive_for(5s, [&](down_msg& d) { reason = d.reason; }));
  CHECK_EQ(reason, exit_reason::kill);
}

TEST_CASE("an actor trapping exits survives the kill of an actor linked to it") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto victim = sys.spawn([](event_based_actor*) -> behavior { return {[](int) {}}; });
  auto trapper = sys.spawn([victim](event_based_actor* me) -> behavior {
    auto seen = std::make_shared<int>(-1);
    me->set_exit_handler([seen](exit_msg& m) { *seen = m.reason.code().value(); });
    me->link_to(victim);
    return {[seen](get_reason) { return *seen; }};
  });
  self->monitor(victim);
  self->send_exit(victim, exit_reason::kill);
  CHECK(self->receive_for(5s, [](down_msg&) {}));
  CHECK(eventually([&] {
    return self->request(trapper, 1s, get_reason{}).get<int>().value()
           == static_cast<int>(exit_reason::kill);
  }));
  CHECK_FALSE(trapper.get()->is_terminated());
}

TEST_CASE("an actor without handles exits as unreachable and its address expires") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  actor_addr addr;
  {
    auto a = sys.spawn([]() -> behavior { return {[](int) {}}; });
    addr = a.address();
    self->monitor(a);
    CHECK(addr.lock());
  }
  error reason;
  CHECK(self->receive_for(5s, [&](down_msg& d) { reason = d.reason; }));
  CHECK_EQ(reason, exit_reason::unreachable);
  CHECK_FALSE(addr.lock());
}

TEST_CASE("unlinking stops propagation") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto a = sys.spawn(mortal);
  auto b = sys.spawn([a](event_based_actor* me) -> behavior {
    me->link_to(a);
    me->unlink_from(a);
    return {[](int x) { return x; }};
  });
  self->monitor(a);
  self->send(a, die{1});
  CHECK(self->receive_for(5s, [](down_msg&) {}));
  CHECK_EQ(self->request(b, 1s, 3).get<int>().value(), 3);
}

namespace {
/// State whose construction fails, as a state that opens a resource might.
struct unconstructible_state {
  unconstructible_state() { throw std::runtime_error("no resource"); }
};

/// A class-based actor whose constructor rejects its argument.
class picky : public event_based_actor {
public:
  picky(actor_system& sys, int x) : event_based_actor(sys) {
    if (x < 0)
      throw std::invalid_argument("negative");
  }
  behavior make_behavior() override {
    return {[](int y) { return y; }};
  }
};
} // namespace

TEST_CASE("an actor whose construction throws leaves nothing behind in its system") {
  shutdown_report report;
  {
    actor_system sys{actor_system_config{}.set_workers(2).set_shutdown_grace(500ms)};
    CHECK_THROWS_AS(sys.spawn<picky>(-1), std::invalid_argument);
    auto needs_state = [](stateful_actor<unconstructible_state>*) -> behavior {
      return {[](int y) { return y; }};
    };
    CHECK_THROWS_AS(sys.spawn(needs_state), std::runtime_error);
    CHECK_EQ(sys.stats().actors_alive, 0u);
    // The system keeps working: new actors (in the same registry shards)
    // spawn, answer and exit.
    auto ok = sys.spawn<picky>(1);
    scoped_actor self{sys};
    CHECK_EQ(self->request(ok, 1s, 7).get<int>().value(), 7);
    CHECK_EQ(sys.stats().actors_alive, 1u);
    report = sys.shutdown();
  }
  CHECK(report.clean());
}

namespace {
/// A configuration that refuses to become an actor when `usable` is false.
struct checked_config {
  bool usable;
  void validate() const {
    if (!usable)
      throw std::invalid_argument("checked_config: not usable");
  }
  behavior operator()(event_based_actor*) const {
    return {[](int y) { return y; }};
  }
};
} // namespace

TEST_CASE("spawn throws what a function object's validate() throws and creates no actor") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  CHECK_THROWS_WITH_AS(sys.spawn(checked_config{false}), "checked_config: not usable",
                       std::invalid_argument);
  CHECK_EQ(sys.stats().actors_alive, 0u);
  CHECK_EQ(sys.stats().actors_spawned, 0u);
  // A usable one spawns as any function-based actor.
  auto ok = sys.spawn(checked_config{true});
  scoped_actor self{sys};
  CHECK_EQ(self->request(ok, 1s, 7).get<int>().value(), 7);
}

TEST_CASE("an actor with an empty initial behavior lives until its pending request is answered") {
  test_util::gate gate; // outlives sys: handlers may still be leaving wait()
  actor_system sys{actor_system_config{}.set_workers(2)};
  // The server answers only once the test opened the gate, so the client
  // surely waits with an empty behavior.
  auto server = sys.spawn([&]() -> behavior {
    return {[&](int x) {
      gate.wait();
      return x + 1;
    }};
  });
  std::atomic<int> got{0};
  scoped_actor self{sys};
  auto client = sys.spawn([&, server](event_based_actor* me) -> behavior {
    me->request(server, 5s, 41).then([&](int y) { got = y; });
    return {};
  });
  self->monitor(client);
  CHECK_FALSE(client.get()->is_terminated());
  gate.open();
  CHECK(eventually([&] { return got.load() != 0; }));
  CHECK_EQ(got.load(), 42);
  error reason{sec::runtime_error};
  CHECK(self->receive_for(5s, [&](down_msg& d) { reason = d.reason; }));
  CHECK_FALSE(reason); // a normal exit once nothing is left to wait for
}

TEST_CASE("an actor with an empty initial behavior runs its request's error handler, then exits") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto silent = sys.spawn([]() -> behavior { return {[](int) -> delegated<int> { return {}; }}; });
  std::atomic<int> code{-1};
  scoped_actor self{sys};
  auto client = sys.spawn([&, silent](event_based_actor* me) -> behavior {
    me->request(silent, 5s, 1)
      .then([&](int) { code = 0; }, [&](const error& e) { code = e.code().value(); });
    return {};
  });
  self->monitor(client);
  CHECK(eventually([&] { return code.load() != -1; }));
  CHECK_EQ(code.load(), static_cast<int>(sec::broken_promise));
  error reason{sec::runtime_error};
  CHECK(self->receive_for(5s, [&](down_msg& d) { reason = d.reason; }));
  CHECK_FALSE(reason);
}

TEST_SUITE_END();
