#include <doctest/doctest.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <stdexcept>
#include <vector>

#include <ringactor/all.hpp>

#include "test_util.hpp"

using namespace ringactor;
using namespace std::chrono_literals;
using test_util::eventually;

namespace {

struct slow_query {
  int value;
};
struct never_answered {};
struct fail_please {};
struct boom {};
struct log_entry {
  int value;
};
struct get_log {};

} // namespace

TEST_SUITE_BEGIN("libactor");

TEST_CASE("then lets other messages flow while a response is pending") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  // `server` answers slow_query only after it got a go-ahead (an int).
  auto server = sys.spawn([](event_based_actor* self) -> behavior {
    auto held = std::make_shared<std::vector<typed_response_promise<int>>>();
    return {
      [self, held](slow_query q) -> result<int> {
        auto rp = self->make_response_promise<int>();
        held->push_back(rp);
        (void) q;
        return rp;
      },
      [held](int release) {
        for (auto& rp : *held)
          rp.deliver(release);
        held->clear();
      },
    };
  });
  auto client = sys.spawn([server](event_based_actor* self) -> behavior {
    auto log = std::make_shared<std::vector<int>>();
    return {
      [self, server, log](slow_query q) {
        self->request(server, 5s, q).then([log](int x) { log->push_back(x); });
      },
      [log](log_entry e) { log->push_back(e.value); },
      [log](get_log) { return *log; },
    };
  });
  scoped_actor self{sys};
  self->send(client, slow_query{1});
  self->send(client, log_entry{10}); // handled while the request is pending
  // Wait until the client has handled log_entry, then release the server.
  CHECK(eventually([&] {
    auto r = self->request(client, 1s, get_log{}).get<std::vector<int>>();
    return r.has_value() && r->size() == 1;
  }));
  self->send(server, 99);
  CHECK(eventually([&] {
    auto r = self->request(client, 1s, get_log{}).get<std::vector<int>>();
    return r.has_value() && *r == std::vector<int>{10, 99};
  }));
}

TEST_CASE("await makes other messages wait for the response") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto server = sys.spawn([](event_based_actor* self) -> behavior {
    auto held = std::make_shared<std::vector<typed_response_promise<int>>>();
    return {
      [self, held](slow_query) -> result<int> {
        auto rp = self->make_response_promise<int>();
        held->push_back(rp);
        return rp;
      },
      [held](int release) {
        for (auto& rp : *held)
          rp.deliver(release);
        held->clear();
      },
    };
  });
  std::atomic<bool> awaiting{false};
  auto client = sys.spawn([server, &awaiting](event_based_actor* self) -> behavior {
    auto log = std::make_shared<std::vector<int>>();
    return {
      [self, server, log, &awaiting](slow_query q) {
        self->request(server, 5s, q).await([log](int x) { log->push_back(x); });
        awaiting = true;
      },
      [log](log_entry e) { log->push_back(e.value); },
      [log](get_log) { return *log; },
    };
  });
  scoped_actor self{sys};
  self->send(client, slow_query{1});
  CHECK(eventually([&] { return awaiting.load(); }));
  self->send(client, log_entry{10}); // must wait until the response arrived
  self->send(server, 99);
  std::vector<int> got;
  CHECK(eventually([&] {
    auto r = self->request(client, 1s, get_log{}).get<std::vector<int>>();
    if (r.has_value())
      got = *r;
    return got.size() == 2;
  }));
  CHECK_EQ(got, std::vector<int>{99, 10});
}

TEST_CASE("a request without a response in time yields request_timeout") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto server = sys.spawn([](event_based_actor* self) -> behavior {
    auto held = std::make_shared<std::vector<response_promise>>();
    return {[self, held](never_answered) {
      held->push_back(self->make_untyped_response_promise());
      return delegated<void>{};
    }};
  });
  SUBCASE("from a scoped actor") {
    scoped_actor self{sys};
    auto r = self->request(server, 30ms, never_answered{}).get<int>();
    REQUIRE_FALSE(r.has_value());
    CHECK_EQ(r.error(), sec::request_timeout);
  }
  SUBCASE("from an event-based actor") {
    std::atomic<int> code{-1};
    auto client = sys.spawn([server, &code](event_based_actor* self) -> behavior {
      self->request(server, 30ms, never_answered{})
        .then([&code](int) { code = 0; }, [&code](const error& e) { code = e.code().value(); });
      return {[](int) {}};
    });
    CHECK(eventually([&] { return code.load() != -1; }));
    CHECK_EQ(code.load(), static_cast<int>(sec::request_timeout));
  }
}

TEST_CASE("a request to an exited actor yields dead_receiver") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto a = sys.spawn([](event_based_actor* self) -> behavior {
    return {[self](int) { self->quit(); }};
  });
  scoped_actor self{sys};
  self->monitor(a);
  self->send(a, 1);
  CHECK(self->receive_for(5s, [](down_msg&) {}));
  auto r = self->request(a, 1s, 2).get<int>();
  REQUIRE_FALSE(r.has_value());
  CHECK_EQ(r.error(), sec::dead_receiver);
  auto none = self->request(actor{}, 1s, 2).get<int>();
  CHECK_EQ(none.error(), sec::dead_receiver);
}

TEST_CASE("requests queued at an actor that is killed get the kill exit reason") {
  test_util::gate gate; // outlives sys: handlers may still be leaving wait()
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto a = sys.spawn([&]() -> behavior {
    return {[&](int x) {
      if (x == 0) {
        gate.mark_entered();
        gate.wait();
      }
      return x;
    }};
  });
  scoped_actor self{sys};
  self->send(a, 0);
  REQUIRE(gate.wait_entered());
  std::vector<blocking_response_handle<detail::dynamic_response>> pending;
  for (int i = 1; i <= 10; ++i)
    pending.push_back(self->request(a, 5s, i));
  self->send_exit(a, exit_reason::kill);
  gate.open();
  for (auto& p : pending) {
    auto r = p.get<int>();
    REQUIRE_FALSE(r.has_value());
    CHECK_EQ(r.error(), exit_reason::kill);
  }
}

TEST_CASE("a promise held by an actor that dies answers with its exit reason") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto a = sys.spawn([](event_based_actor* self) -> behavior {
    auto held = std::make_shared<std::vector<response_promise>>();
    return {
      [self, held](never_answered) {
        held->push_back(self->make_untyped_response_promise());
        return delegated<void>{};
      },
      [self](boom) { self->quit(exit_reason::user_shutdown); },
    };
  });
  scoped_actor self{sys};
  auto h = self->request(a, 5s, never_answered{});
  self->send(a, boom{});
  auto r = h.get<int>();
  REQUIRE_FALSE(r.has_value());
  CHECK_EQ(r.error(), exit_reason::user_shutdown);
}

TEST_CASE("a promise kept in the state of a stateful actor that dies answers its exit reason") {
  // The state goes first when the actor exits; a promise that dies with it
  // dies because its actor died, not because a live actor dropped it.
  struct holder {
    std::vector<response_promise> held;
  };
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto a = sys.spawn([](stateful_actor<holder>* self) -> behavior {
    return {
      [self](never_answered) {
        self->state.held.push_back(self->make_untyped_response_promise());
        return delegated<void>{};
      },
      [self](boom) { self->quit(exit_reason::user_shutdown); },
    };
  });
  scoped_actor self{sys};
  auto h = self->request(a, 5s, never_answered{});
  self->send(a, boom{});
  auto r = h.get<int>();
  REQUIRE_FALSE(r.has_value());
  CHECK_EQ(r.error(), exit_reason::user_shutdown);
}

TEST_CASE("a request without a handler yields unexpected_message") {
  test_util::log_capture capture;
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto a = sys.spawn([]() -> behavior { return {[](int x) { return x; }}; });
  scoped_actor self{sys};
  auto r = self->request(a, 1s, std::string{"no handler"}).get<int>();
  REQUIRE_FALSE(r.has_value());
  CHECK_EQ(r.error(), sec::unexpected_message);
  CHECK(capture.contains("has no handler"));
}

TEST_CASE("a handler that returns delegated but hands the request to nobody answers "
          "broken_promise") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto other = sys.spawn([]() -> behavior { return {[](int x) { return x; }}; });
  // A plain send does not pass the request on (delegate() would): nobody
  // answers it unless the runtime does.
  auto a = sys.spawn([other](event_based_actor* self) -> behavior {
    return {[self, other](int x) -> result<int> {
      self->send(other, x);
      return delegated<int>{};
    }};
  });
  scoped_actor self{sys};
  auto started = std::chrono::steady_clock::now();
  auto r = self->request(a, 10s, 5).get<int>();
  REQUIRE_FALSE(r.has_value());
  CHECK_MESSAGE(r.error() == sec::broken_promise, to_string(r.error()));
  CHECK_LT(std::chrono::steady_clock::now() - started, 5s); // not the timeout
  // The same from a blocking actor's receive.
  scoped_actor answerer{sys};
  auto h = self->request(answerer.as_actor(), 10s, 6);
  CHECK(answerer->receive_for(5s, [](int) -> result<int> { return delegated<int>{}; }));
  auto r2 = h.get<int>();
  REQUIRE_FALSE(r2.has_value());
  CHECK_MESSAGE(r2.error() == sec::broken_promise, to_string(r2.error()));
}

TEST_CASE("a handler that took its request over with a promise sends nothing with its return "
          "value") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto a = sys.spawn([](event_based_actor* self) -> behavior {
    return {
      [self](int x) -> result<int> {
        auto rp = self->make_response_promise<int>();
        rp.deliver(x + 1);
        return x + 100; // the promise answered: this goes nowhere
      },
      [](const std::string& s) { return s; },
    };
  });
  scoped_actor self{sys};
  CHECK_EQ(self->request(a, 5s, 1).get<int>().value(), 2);
  // The marker's answer comes after anything `a` sent before it.
  CHECK_EQ(self->request(a, 5s, std::string{"marker"}).get<std::string>().value(), "marker");
  int stray = 0;
  CHECK_FALSE(self->receive_for(0ms, [&](int x) { stray = x; }));
  CHECK_EQ(stray, 0);
}

TEST_CASE("an error returned by a handler reaches the requester") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto a = sys.spawn([]() -> behavior {
    return {[](fail_please) -> result<int> { return error{sec::invalid_argument, "refused"}; }};
  });
  scoped_actor self{sys};
  auto r = self->request(a, 1s, fail_please{}).get<int>();
  REQUIRE_FALSE(r.has_value());
  CHECK_EQ(r.error(), sec::invalid_argument);
  CHECK_EQ(r.error().context(), "refused");
}

TEST_CASE("a handler that throws ends only its actor, with unhandled_exception") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto bad = sys.spawn([]() -> behavior {
    return {[](boom) -> int { throw std::runtime_error("kaputt"); }};
  });
  auto good = sys.spawn([]() -> behavior { return {[](int x) { return x + 1; }}; });
  scoped_actor self{sys};
  self->monitor(bad);
  auto r = self->request(bad, 1s, boom{}).get<int>();
  REQUIRE_FALSE(r.has_value());
  CHECK_EQ(r.error(), exit_reason::unhandled_exception);
  error reason;
  CHECK(self->receive_for(5s, [&](down_msg& d) { reason = d.reason; }));
  CHECK_EQ(reason, exit_reason::unhandled_exception);
  CHECK_EQ(reason.context(), "kaputt");
  CHECK_EQ(self->request(good, 1s, 1).get<int>().value(), 2);
}

TEST_CASE("delegate lets another actor answer the original requester") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto worker = sys.spawn([]() -> behavior { return {[](int x) { return x * 3; }}; });
  auto front = sys.spawn([worker](event_based_actor* self) -> behavior {
    return {[self, worker](int x) { return self->delegate(worker, x + 1); }};
  });
  scoped_actor self{sys};
  CHECK_EQ(self->request(front, 1s, 1).get<int>().value(), 6);
}

TEST_CASE("every one of many concurrent requests ends in exactly one outcome") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  // Answers evens, errors on multiples of 3, ignores multiples of 5 (timeout),
  // and dies at 500: the rest get its exit reason, user_shutdown.
  auto a = sys.spawn([](event_based_actor* self) -> behavior {
    auto held = std::make_shared<std::vector<response_promise>>();
    return {[self, held](int x) -> result<int> {
      if (x == 500)
        self->quit(exit_reason::user_shutdown);
      if (x % 5 == 0) {
        held->push_back(self->make_untyped_response_promise());
        return delegated<int>{};
      }
      if (x % 3 == 0)
        return sec::invalid_argument;
      return x;
    }};
  });
  scoped_actor self{sys};
  std::vector<blocking_response_handle<detail::dynamic_response>> hs;
  for (int i = 1; i <= 1000; ++i)
    hs.push_back(self->request(a, 2s, i));
  int values = 0, errors = 0;
  for (auto& h : hs)
    h.receive([&](int) { ++values; }, [&](const error&) { ++errors; });
  CHECK_EQ(values + errors, 1000);
  CHECK_GT(values, 0);
  CHECK_GT(errors, 0);
}

TEST_SUITE_END();

TEST_SUITE_BEGIN("libactor");

TEST_CASE("receive keeps the responses of requests whose handles still wait") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto a = sys.spawn([]() -> behavior { return {[](int x) { return x + 1; }}; });
  scoped_actor self{sys};
  auto pending = self->request(a, 5s, 1);
  self->send(self, std::string{"unrelated"});
  // The response to `pending` may arrive while receive looks for a string.
  CHECK(self->receive_for(5s, [](const std::string&) {}));
  CHECK_EQ(pending.get<int>().value(), 2);
}

namespace {

// Answers an int with a fresh shared_ptr and remembers it weakly, so that a
// test sees whether the requester still holds the response; a string is
// echoed (a ping: its response comes after those of earlier requests). A
// negative int is answered only after `release` is set.
struct tracked_responder {
  std::shared_ptr<std::weak_ptr<int>> last = std::make_shared<std::weak_ptr<int>>();
  std::shared_ptr<std::atomic<bool>> release = std::make_shared<std::atomic<bool>>(false);

  behavior operator()() const {
    return {
      [last = last, release = release](int x) {
        if (x < 0)
          test_util::eventually([&] { return release->load(); });
        auto value = std::make_shared<int>(x);
        *last = value;
        return value;
      },
      [](const std::string& ping) { return ping; },
    };
  }
};

std::string self_check_ping(actor_system& sys, const actor& a) {
  scoped_actor self{sys};
  auto pong = self->request(a, 5s, std::string{"ping"}).get<std::string>();
  return pong ? *pong : std::string{};
}

} // namespace

TEST_CASE("a response whose handle was dropped unreceived is released, not kept") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  tracked_responder responder;
  auto a = sys.spawn(responder);
  scoped_actor self{sys};
  {
    auto unused = self->request(a, 5s, 1);
    // Its response comes before the ping's, so awaiting the ping fetched it.
    CHECK_EQ(self->request(a, 5s, std::string{"ping"}).get<std::string>().value(), "ping");
    CHECK_FALSE(responder.last->expired());
  }
  CHECK(responder.last->expired());
  // The actor still works, and a handle received once cannot be received again.
  auto h = self->request(a, 5s, 2);
  CHECK_EQ(*h.get<std::shared_ptr<int>>().value(), 2);
  auto again = h.get<std::shared_ptr<int>>();
  REQUIRE_FALSE(again.has_value());
  CHECK_EQ(again.error(), sec::invalid_argument);
}

TEST_CASE("a response handle may outlive its scoped actor") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  tracked_responder responder;
  auto a = sys.spawn(responder);
  std::optional<blocking_response_handle<detail::dynamic_response>> unused;
  std::optional<blocking_response_handle<detail::dynamic_response>> kept;
  {
    scoped_actor self{sys};
    unused.emplace(self->request(a, 5s, 1));
    kept.emplace(self->request(a, 5s, 2));
    CHECK_EQ(self->request(a, 5s, std::string{"ping"}).get<std::string>().value(), "ping");
  }
  // The actor closed with its scope and let go of the responses it held;
  // its handles keep its object alive, so dropping them afterwards touches
  // no freed memory (ASan). Before, they pointed at the deleted actor.
  CHECK(responder.last->expired());
  unused.reset();
  kept.reset();
  CHECK_EQ(self_check_ping(sys, a), "ping"); // the system carries on
}

TEST_CASE("a late response to a timed-out request is released by the next await") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  tracked_responder responder;
  auto a = sys.spawn(responder);
  scoped_actor self{sys};
  auto late = self->request(a, 10ms, -1).get<std::shared_ptr<int>>();
  REQUIRE_FALSE(late.has_value());
  CHECK_EQ(late.error(), sec::request_timeout);
  responder.release->store(true);
  // The late response arrives before the ping's; only requests are awaited
  // here, receive() never runs.
  CHECK_EQ(self->request(a, 5s, std::string{"ping"}).get<std::string>().value(), "ping");
  CHECK(responder.last->expired());
}

TEST_CASE("many requests with timeouts keep a bounded timer queue") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto echo = sys.spawn([]() -> behavior { return {[](int x) { return x; }}; });
  std::atomic<int> done{0};
  auto client = sys.spawn([echo, &done](event_based_actor* self) -> behavior {
    return {[self, echo, &done](int n) {
      for (int i = 0; i < n; ++i)
        self->request(echo, 30s, i).then([&done](int) { ++done; });
    }};
  });
  scoped_actor self{sys};
  self->send(client, 10000);
  CHECK(eventually([&] { return done.load() == 10000; }));
}

TEST_SUITE_END();
