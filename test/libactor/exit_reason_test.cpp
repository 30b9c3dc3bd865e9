// What requesters hear from an actor that ends: its exit reason when it ends
// abnormally (as its monitors do), dead_receiver when it ends normally or was
// already gone.
#include <doctest/doctest.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <vector>

#include <ringactor/all.hpp>

#include "test_util.hpp"

using namespace ringactor;
using namespace std::chrono_literals;
using test_util::eventually;

namespace {

struct block_until_open {};
struct exit_hold {};
struct throw_now {};
struct stop_normally {};
struct ask_slow {};

} // namespace

TEST_SUITE_BEGIN("libactor");

TEST_CASE("the request whose handler throws is answered with the exit reason") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto a = sys.spawn([]() -> behavior {
    return {[](throw_now) -> int { throw std::runtime_error("kaputt"); }};
  });
  scoped_actor self{sys};
  self->monitor(a);
  auto r = self->request(a, 5s, throw_now{}).get<int>();
  REQUIRE_FALSE(r.has_value());
  CHECK_EQ(r.error(), exit_reason::unhandled_exception);
  CHECK_EQ(r.error().context(), "kaputt");
  error down_reason;
  CHECK(self->receive_for(5s, [&](down_msg& d) { down_reason = d.reason; }));
  CHECK_EQ(r.error(), down_reason);
  CHECK_EQ(r.error().context(), down_reason.context());
}

TEST_CASE("requests still queued when a handler throws get the exception as exit reason") {
  test_util::gate gate; // outlives sys: handlers may still be leaving wait()
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto a = sys.spawn([&]() -> behavior {
    return {
      [&](block_until_open) {
        gate.mark_entered();
        gate.wait();
        throw std::runtime_error("queued behind");
      },
      [](int x) { return x; },
    };
  });
  scoped_actor self{sys};
  self->send(a, block_until_open{});
  REQUIRE(gate.wait_entered());
  std::vector<blocking_response_handle<detail::dynamic_response>> pending;
  for (int i = 0; i < 5; ++i)
    pending.push_back(self->request(a, 5s, i));
  gate.open();
  for (auto& h : pending) {
    auto r = h.get<int>();
    REQUIRE_FALSE(r.has_value());
    CHECK_EQ(r.error(), exit_reason::unhandled_exception);
    CHECK_EQ(r.error().context(), "queued behind");
  }
}

TEST_CASE("a response promise an actor never fulfilled answers with its exit reason") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto a = sys.spawn([](event_based_actor* self) -> behavior {
    auto held = std::make_shared<std::vector<response_promise>>();
    return {
      [self, held](exit_hold) {
        held->push_back(self->make_untyped_response_promise());
        return delegated<int>{};
      },
      [](throw_now) { throw std::runtime_error("promise breaker"); },
    };
  });
  scoped_actor self{sys};
  auto h = self->request(a, 5s, exit_hold{});
  self->send(a, throw_now{});
  auto r = h.get<int>();
  REQUIRE_FALSE(r.has_value());
  CHECK_EQ(r.error(), exit_reason::unhandled_exception);
  CHECK_EQ(r.error().context(), "promise breaker");
}

TEST_CASE("requests set aside while an actor awaits a response get its exit reason") {
  test_util::gate gate; // outlives sys: handlers may still be leaving wait()
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto slow = sys.spawn([&]() -> behavior {
    return {[&](ask_slow) {
      gate.mark_entered();
      gate.wait();
    }};
  });
  auto a = sys.spawn([slow](event_based_actor* self) -> behavior {
    return {
      [self, slow](ask_slow) { self->request(slow, infinite, ask_slow{}).await([] {}); },
      [](int x) { return x; },
    };
  });
  scoped_actor self{sys};
  self->send(a, ask_slow{});
  REQUIRE(gate.wait_entered());
  // a awaits slow's answer: these requests go to its stash.
  std::vector<blocking_response_handle<detail::dynamic_response>> pending;
  for (int i = 0; i < 3; ++i)
    pending.push_back(self->request(a, 5s, i));
  self->send_exit(a, exit_reason::kill);
  for (auto& h : pending) {
    auto r = h.get<int>();
    REQUIRE_FALSE(r.has_value());
    CHECK_EQ(r.error(), exit_reason::kill);
  }
  gate.open();
}

TEST_CASE("an actor that exits normally answers the requests it leaves with dead_receiver") {
  test_util::gate gate; // outlives sys: handlers may still be leaving wait()
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto a = sys.spawn([&](event_based_actor* self) -> behavior {
    return {
      [&, self](stop_normally) {
        gate.mark_entered();
        gate.wait();
        self->quit();
      },
      [](int x) { return x; },
    };
  });
  scoped_actor self{sys};
  auto first = self->request(a, 5s, stop_normally{});
  REQUIRE(gate.wait_entered());
  auto queued = self->request(a, 5s, 1);
  gate.open();
  CHECK(first.get().has_value()); // its handler returned: it was answered
  auto r2 = queued.get<int>();
  REQUIRE_FALSE(r2.has_value());
  CHECK_EQ(r2.error(), sec::dead_receiver);
}

TEST_CASE("a request to an actor that already exited abnormally gets dead_receiver") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto a = sys.spawn([]() -> behavior {
    return {[](throw_now) { throw std::runtime_error("gone"); }};
  });
  scoped_actor self{sys};
  self->monitor(a);
  self->send(a, throw_now{});
  CHECK(self->receive_for(5s, [](down_msg&) {}));
  auto r = self->request(a, 5s, throw_now{}).get();
  REQUIRE_FALSE(r.has_value());
  CHECK_EQ(r.error(), sec::dead_receiver);
}

TEST_CASE("a blocking actor whose handler throws answers the request with unhandled_exception") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor server{sys};
  auto server_handle = server.as_actor();
  std::atomic<bool> answered{false};
  error seen;
  auto client = sys.spawn([&, server_handle](event_based_actor* self) -> behavior {
    self->request(server_handle, 5s, throw_now{})
      .then([&](int) { answered = true; },
            [&](const error& e) {
              seen = e;
              answered = true;
            });
    return {[](int) {}};
  });
  bool threw = false;
  try {
    server->receive([](throw_now) { throw std::runtime_error("blocking kaputt"); });
  } catch (const std::runtime_error&) {
    threw = true;
  }
  CHECK(threw);
  REQUIRE(eventually([&] { return answered.load(); }));
  CHECK_EQ(seen, exit_reason::unhandled_exception);
  CHECK_EQ(seen.context(), "blocking kaputt");
}

TEST_CASE("requests left at a scoped actor that ends get dead_receiver") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  std::atomic<int> code{-1};
  {
    scoped_actor server{sys};
    auto server_handle = server.as_actor();
    // The request is sent during spawn (init runs in this thread).
    sys.spawn([&, server_handle](event_based_actor* self) -> behavior {
      self->request(server_handle, 5s, 1)
        .then([&](int) { code = 0; }, [&](const error& e) { code = e.code().value(); });
      return {[](throw_now) {}};
    });
  }
  REQUIRE(eventually([&] { return code.load() != -1; }));
  CHECK_EQ(code.load(), static_cast<int>(sec::dead_receiver));
}

TEST_SUITE_END();
