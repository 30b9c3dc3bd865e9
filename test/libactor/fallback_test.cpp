// Default handlers (messages no handler accepts), skip, and exception
// handlers of event-based actors.
#include <doctest/doctest.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <ringactor/all.hpp>

#include "test_util.hpp"

using namespace ringactor;
using namespace std::chrono_literals;
using test_util::eventually;

namespace {

struct unknown {
  int x;
};
struct fallback_throw_now {};
struct switch_over {};
struct get_seen {};

} // namespace

TEST_SUITE_BEGIN("libactor");

// -- default handlers ------------------------------------------------------------------

TEST_CASE("a default handler's error answers a request no handler accepts") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto a = sys.spawn([](event_based_actor* self) -> behavior {
    self->set_default_handler([](scheduled_actor*, mailbox_element& x) -> default_handler_result {
      return error{sec::invalid_argument, std::string{"no thanks: "} + std::string{x.type->name}};
    });
    return {[](int x) { return x; }};
  });
  scoped_actor self{sys};
  auto r = self->request(a, 5s, unknown{1}).get<int>();
  REQUIRE_FALSE(r.has_value());
  CHECK_EQ(r.error(), sec::invalid_argument);
  CHECK(r.error().context().find("no thanks") != std::string_view::npos);
  CHECK_EQ(self->request(a, 5s, 3).get<int>().value(), 3); // still running
}

TEST_CASE("a default handler may answer a request no handler accepts with a value") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto a = sys.spawn([](event_based_actor* self) -> behavior {
    self->set_default_handler([](scheduled_actor*, mailbox_element& x) -> default_handler_result {
      if (auto u = x.get_if<unknown>())
        return u->x * 10;
      return sec::unexpected_message;
    });
    return {[](int x) { return x; }};
  });
  scoped_actor self{sys};
  CHECK_EQ(self->request(a, 5s, unknown{4}).get<int>().value(), 40);
  auto r = self->request(a, 5s, std::string{"x"}).get<int>();
  REQUIRE_FALSE(r.has_value());
  CHECK_EQ(r.error(), sec::unexpected_message);
}

TEST_CASE("reflect sends an unmatched request back to its requester as the response") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto a = sys.spawn([](event_based_actor* self) -> behavior {
    self->set_default_handler(reflect);
    return {[](int x) { return x + 1; }};
  });
  scoped_actor self{sys};
  CHECK_EQ(self->request(a, 5s, std::string{"mirror"}).get<std::string>().value(), "mirror");
  CHECK_EQ(self->request(a, 5s, 1).get<int>().value(), 2);
}

TEST_CASE("drop answers an unmatched request with unexpected_message and logs nothing") {
  test_util::log_capture capture;
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto a = sys.spawn([](event_based_actor* self) -> behavior {
    self->set_default_handler(drop);
    return {[](int x) { return x; }};
  });
  scoped_actor self{sys};
  auto r = self->request(a, 5s, unknown{1}).get<int>();
  REQUIRE_FALSE(r.has_value());
  CHECK_EQ(r.error(), sec::unexpected_message);
  CHECK_FALSE(capture.contains("has no handler"));
}

TEST_CASE("print_and_drop, the default, answers unexpected_message and logs the type") {
  test_util::log_capture capture;
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto a = sys.spawn([](event_based_actor* self) -> behavior {
    self->set_default_handler(print_and_drop);
    return {[](int x) { return x; }};
  });
  scoped_actor self{sys};
  auto r = self->request(a, 5s, unknown{1}).get<int>();
  REQUIRE_FALSE(r.has_value());
  CHECK_EQ(r.error(), sec::unexpected_message);
  CHECK(capture.contains("has no handler"));
}

TEST_CASE("an actor with no handler for cancel_request drops it silently, default handler or not") {
  test_util::log_capture capture;
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto seen_by_fallback = std::make_shared<std::atomic<int>>(0);
  auto plain = sys.spawn([](event_based_actor*) -> behavior { return {[](int x) { return x; }}; });
  auto skipping = sys.spawn([seen_by_fallback](event_based_actor* self) -> behavior {
    self->set_default_handler([seen_by_fallback](scheduled_actor*, mailbox_element&) {
      seen_by_fallback->fetch_add(1);
      return default_handler_result{skip};
    });
    return {[](int x) { return x; }};
  });
  scoped_actor self{sys};
  self->send(plain, cancel_request{message_id::make_request(42)});
  self->send(skipping, cancel_request{message_id::make_request(42)});
  // Each actor handles its messages in order: the answer means the notice
  // was processed before it.
  CHECK_EQ(self->request(plain, 5s, 1).get<int>().value(), 1);
  CHECK_EQ(self->request(skipping, 5s, 2).get<int>().value(), 2);
  CHECK_FALSE(capture.contains("has no handler"));
  CHECK_EQ(seen_by_fallback->load(), 0); // not skipped: nothing left behind
  // Any other unmatched message still warns.
  self->send(plain, unknown{1});
  CHECK_EQ(self->request(plain, 5s, 3).get<int>().value(), 3);
  CHECK(capture.contains("has no handler"));
}

TEST_CASE("skip keeps unmatched messages in order until a new behavior handles them") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto a = sys.spawn([](event_based_actor* self) -> behavior {
    self->set_default_handler(skip);
    auto seen = std::make_shared<std::vector<std::string>>();
    return {[self, seen](switch_over) {
      self->become(behavior{
        [seen](const std::string& s) { seen->push_back(s); },
        [seen](get_seen) { return *seen; },
      });
    }};
  });
  scoped_actor self{sys};
  self->send(a, std::string{"one"});
  self->send(a, std::string{"two"});
  auto pending = self->request(a, 5s, get_seen{}); // skipped as well
  self->send(a, switch_over{});
  auto seen = pending.get<std::vector<std::string>>();
  REQUIRE(seen.has_value());
  CHECK_EQ(*seen, std::vector<std::string>{"one", "two"});
}

TEST_CASE("a handler that returns skip leaves its message for the next behavior") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto a = sys.spawn([](event_based_actor* self) -> behavior {
    return {
      [](int) { return skip; },
      [self](switch_over) { self->become(behavior{[](int x) { return x * 2; }}); },
    };
  });
  scoped_actor self{sys};
  auto pending = self->request(a, 5s, 21);
  self->send(a, switch_over{});
  CHECK_EQ(pending.get<int>().value(), 42);
}

TEST_CASE("a message skipped by a handler that changed the behavior follows older skipped ones") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto a = sys.spawn([](event_based_actor* self) -> behavior {
    self->set_default_handler(skip);
    auto seen = std::make_shared<std::vector<std::string>>();
    return {[self, seen](int) {
      self->become(behavior{
        [seen](const std::string& s) { seen->push_back(s); },
        [seen](int y) { seen->push_back(std::to_string(y)); },
        [seen](get_seen) { return *seen; },
      });
      return skip; // the new behavior handles x, after "a" and "b"
    }};
  });
  scoped_actor self{sys};
  self->send(a, std::string{"a"});
  self->send(a, std::string{"b"});
  self->send(a, 3);
  auto seen = self->request(a, 5s, get_seen{}).get<std::vector<std::string>>();
  REQUIRE(seen.has_value());
  CHECK_EQ(*seen, std::vector<std::string>{"a", "b", "3"});
}

TEST_CASE("requests an actor skipped get its exit reason when it exits abnormally") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto a = sys.spawn([](event_based_actor* self) -> behavior {
    self->set_default_handler(skip);
    return {[self](fallback_throw_now) { self->quit(exit_reason::user_shutdown); }};
  });
  scoped_actor self{sys};
  auto pending = self->request(a, 5s, 1);
  self->send(a, fallback_throw_now{});
  auto r = pending.get<int>();
  REQUIRE_FALSE(r.has_value());
  CHECK_EQ(r.error(), exit_reason::user_shutdown);
}

// -- exception handlers ----------------------------------------------------------------

TEST_CASE("an exception handler's error answers the request and the actor keeps running") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto a = sys.spawn([](event_based_actor* self) -> behavior {
    self->set_exception_handler([](std::exception_ptr ep) -> error {
      try {
        std::rethrow_exception(ep);
      } catch (const std::exception& ex) {
        return error{sec::runtime_error, std::string{"caught: "} + ex.what()};
      }
    });
    return {
      [](fallback_throw_now) -> int { throw std::runtime_error("oops"); },
      [](int x) { return x; },
    };
  });
  scoped_actor self{sys};
  auto r = self->request(a, 5s, fallback_throw_now{}).get<int>();
  REQUIRE_FALSE(r.has_value());
  CHECK_EQ(r.error(), sec::runtime_error);
  CHECK_EQ(r.error().context(), "caught: oops");
  CHECK_EQ(self->request(a, 5s, 5).get<int>().value(), 5);
  CHECK_FALSE(a.get()->is_exiting());
}

TEST_CASE("an exception handler that calls quit ends the actor with that reason") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto a = sys.spawn([](event_based_actor* self) -> behavior {
    self->set_exception_handler([self](std::exception_ptr) -> error {
      self->quit(exit_reason::user_shutdown);
      return {};
    });
    return {[](fallback_throw_now) -> int { throw std::runtime_error("fatal"); }};
  });
  scoped_actor self{sys};
  self->monitor(a);
  auto r = self->request(a, 5s, fallback_throw_now{}).get<int>();
  REQUIRE_FALSE(r.has_value());
  CHECK_EQ(r.error(), exit_reason::user_shutdown);
  error reason;
  CHECK(self->receive_for(5s, [&](down_msg& d) { reason = d.reason; }));
  CHECK_EQ(reason, exit_reason::user_shutdown);
}

TEST_CASE("an exception handler that returns no error lets the exception end the actor") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  std::atomic<int> calls{0};
  auto a = sys.spawn([&](event_based_actor* self) -> behavior {
    self->set_exception_handler([&](std::exception_ptr) -> error {
      ++calls;
      return {};
    });
    return {[](fallback_throw_now) -> int { throw std::runtime_error("not mine"); }};
  });
  scoped_actor self{sys};
  self->monitor(a);
  auto r = self->request(a, 5s, fallback_throw_now{}).get<int>();
  REQUIRE_FALSE(r.has_value());
  CHECK_EQ(r.error(), exit_reason::unhandled_exception);
  CHECK_EQ(r.error().context(), "not mine");
  error reason;
  CHECK(self->receive_for(5s, [&](down_msg& d) { reason = d.reason; }));
  CHECK_EQ(reason, exit_reason::unhandled_exception);
  CHECK_EQ(calls.load(), 1);
}

TEST_CASE("an exception handler that throws ends the actor with what it threw") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto a = sys.spawn([](event_based_actor* self) -> behavior {
    self->set_exception_handler([](std::exception_ptr) -> error {
      throw std::logic_error("handler broke");
    });
    return {[](fallback_throw_now) -> int { throw std::runtime_error("first"); }};
  });
  scoped_actor self{sys};
  auto r = self->request(a, 5s, fallback_throw_now{}).get<int>();
  REQUIRE_FALSE(r.has_value());
  CHECK_EQ(r.error(), exit_reason::unhandled_exception);
  CHECK_EQ(r.error().context(), "handler broke");
}

TEST_SUITE_END();
