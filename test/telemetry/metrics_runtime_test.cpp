#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <ringactor/all.hpp>

#include "metrics_test_util.hpp"
#include "test_util.hpp"

using namespace ringactor;
using namespace std::chrono_literals;
using metrics_test::value_of;
using test_util::eventually;

namespace {

struct hold_it {};
struct never_handled {};
struct fail_it {};
struct drop_it {};

/// The value of ringactor_requests_total{outcome=...}.
double requests(actor_system& sys, std::string_view outcome) {
  return value_of(sys.metrics(), "ringactor_requests_total", {outcome}).value_or(-1);
}

} // namespace

TEST_SUITE_BEGIN("telemetry");

TEST_CASE("every runtime family is there from the start") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto snap = sys.metrics().collect();
  for (auto name :
       {"ringactor_system_running_actors", "ringactor_system_spawned_actors_total",
        "ringactor_system_processed_messages_total", "ringactor_system_rejected_messages_total",
        "ringactor_scheduler_steals_total", "ringactor_scheduler_parks_total",
        "ringactor_scheduler_wakeups_total", "ringactor_requests_total"})
    CHECK_MESSAGE(snap.find(name) != nullptr, name);
  auto req = snap.find("ringactor_requests_total");
  REQUIRE(req != nullptr);
  CHECK(req->label_names == std::vector<std::string>{"outcome"});
  for (auto outcome :
       {"value", "error", "timeout", "dead_receiver", "unexpected_message", "broken_promise"})
    CHECK_MESSAGE(req->find({outcome}) != nullptr, outcome);
  CHECK(snap.errors.empty());
}

TEST_CASE("running_actors goes up with a spawn and down with the exit") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto& reg = sys.metrics();
  auto before = *value_of(reg, "ringactor_system_running_actors");
  auto a = sys.spawn([](event_based_actor* self) -> behavior {
    return {[self](int) { self->quit(); }};
  });
  CHECK(*value_of(reg, "ringactor_system_running_actors") == before + 1);
  CHECK(*value_of(reg, "ringactor_system_spawned_actors_total") >= 1);
  anon_send(a, 1);
  CHECK(eventually([&] { return *value_of(reg, "ringactor_system_running_actors") == before; }));
}

TEST_CASE("a handled message raises processed_messages_total") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto& reg = sys.metrics();
  auto a = sys.spawn([]() -> behavior { return {[](int x) { return x; }}; });
  scoped_actor self{sys};
  auto before = *value_of(reg, "ringactor_system_processed_messages_total");
  for (int i = 0; i < 5; ++i)
    REQUIRE(self->request(a, 5s, i).get<int>());
  // Counted when the handler returned, maybe just after the response left.
  CHECK(eventually([&] {
    return *value_of(reg, "ringactor_system_processed_messages_total") >= before + 5;
  }));
}

TEST_CASE("a send to a dead actor raises rejected_messages_total"
          * doctest::skip(RINGACTOR_RUNTIME_METRICS == 0)) {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto& reg = sys.metrics();
  auto a = sys.spawn([](event_based_actor* self) -> behavior {
    return {[self](int) { self->quit(); }};
  });
  scoped_actor self{sys};
  self->monitor(a);
  self->send(a, 1);
  REQUIRE(self->receive_for(5s, [](down_msg&) {}));
  auto before = *value_of(reg, "ringactor_system_rejected_messages_total");
  anon_send(a, 2); // from this thread (not a worker)
  self->send(a, 3);
  CHECK(*value_of(reg, "ringactor_system_rejected_messages_total") == before + 2);
  // From an actor on a worker thread, counted by that worker.
  auto sender = sys.spawn([a](event_based_actor* self) -> behavior {
    return {[self, a](int x) { self->send(a, x); }};
  });
  anon_send(sender, 4);
  CHECK(eventually([&] {
    return *value_of(reg, "ringactor_system_rejected_messages_total") == before + 3;
  }));
}

TEST_CASE("each request outcome raises its own counter, for blocking requesters"
          * doctest::skip(RINGACTOR_RUNTIME_METRICS == 0)) {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto held = std::make_shared<std::vector<typed_response_promise<int>>>();
  auto server = sys.spawn([held](event_based_actor* self) -> behavior {
    return {
      [](int x) { return x; },
      [](fail_it) -> result<int> {
        return error{sec::invalid_argument, "refused"};
      },
      [self, held](hold_it) -> result<int> {
        auto rp = self->make_response_promise<int>();
        held->push_back(rp); // kept: the requester's timeout comes first
        return rp;
      },
      [](drop_it) -> result<int> { return delegated<int>{}; }, // nobody answers
    };
  });
  auto dead = sys.spawn([](event_based_actor* self) -> behavior {
    return {[self](int) { self->quit(); }};
  });
  scoped_actor self{sys};
  self->monitor(dead);
  self->send(dead, 1);
  REQUIRE(self->receive_for(5s, [](down_msg&) {}));

  auto expect_one_more = [&](std::string_view outcome, auto&& provoke) {
    std::vector<double> before;
    for (auto o :
         {"value", "error", "timeout", "dead_receiver", "unexpected_message", "broken_promise"})
      before.push_back(requests(sys, o));
    provoke();
    size_t i = 0;
    for (auto o :
         {"value", "error", "timeout", "dead_receiver", "unexpected_message", "broken_promise"}) {
      auto expected = before[i++] + (o == outcome ? 1 : 0);
      CHECK_MESSAGE(requests(sys, o) == expected, "after provoking ", outcome, ": ", o);
    }
  };
  expect_one_more("value", [&] { CHECK(self->request(server, 5s, 1).get<int>()); });
  expect_one_more("error", [&] {
    CHECK(self->request(server, 5s, fail_it{}).get<int>().error() == sec::invalid_argument);
  });
  expect_one_more("timeout", [&] {
    CHECK(self->request(server, 20ms, hold_it{}).get<int>().error() == sec::request_timeout);
  });
  expect_one_more("dead_receiver", [&] {
    CHECK(self->request(dead, 5s, 1).get<int>().error() == sec::dead_receiver);
  });
  expect_one_more("unexpected_message", [&] {
    CHECK(self->request(server, 5s, never_handled{}).get<int>().error() == sec::unexpected_message);
  });
  expect_one_more("broken_promise", [&] {
    CHECK(self->request(server, 5s, drop_it{}).get<int>().error() == sec::broken_promise);
  });
}

TEST_CASE("request outcomes are counted for event-based requesters too"
          * doctest::skip(RINGACTOR_RUNTIME_METRICS == 0)) {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto held = std::make_shared<std::vector<typed_response_promise<int>>>();
  auto server = sys.spawn([held](event_based_actor* self) -> behavior {
    return {
      [](int x) { return x; },
      [self, held](hold_it) -> result<int> {
        auto rp = self->make_response_promise<int>();
        held->push_back(rp); // kept: the requester's timeout comes first
        return rp;
      },
    };
  });
  auto value_before = requests(sys, "value");
  auto timeout_before = requests(sys, "timeout");
  auto client = sys.spawn([server](event_based_actor* self) -> behavior {
    return {
      [self, server](int x) { self->request(server, 5s, x).then([](int) {}, [](const error&) {}); },
      [self, server](hold_it) {
        self->request(server, 20ms, hold_it{}).then([](int) {}, [](const error&) {});
      },
    };
  });
  anon_send(client, 7);
  CHECK(eventually([&] { return requests(sys, "value") == value_before + 1; }));
  anon_send(client, hold_it{});
  CHECK(eventually([&] { return requests(sys, "timeout") == timeout_before + 1; }));
  CHECK(requests(sys, "value") == value_before + 1);
}

TEST_SUITE_END();
