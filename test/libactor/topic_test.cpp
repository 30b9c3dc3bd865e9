// test/libactor: topics in the core (topic.hpp, topics.hpp): actor
// subscribers, their bounded queue and overflow notice, topics by message
// type, and the system's one set of topics.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <future>
#include <memory>
#include <string>

#include <fmt/format.h>

#include <ringactor/all.hpp>
#include <ringactor/json_format.hpp>
#include <ringactor/topics.hpp>
#include <ringactor/type_registry.hpp>

using namespace ringactor;
using namespace std::chrono_literals;

namespace topic_test {

struct reading {
  std::int32_t sensor = 0;
  std::int64_t value = 0;
};

template <class Inspector>
bool inspect(Inspector& f, reading& x) {
  return f.object(x).fields(f.field("sensor", x.sensor), f.field("value", x.value));
}
RINGACTOR_TYPE(reading, "topic_test.reading")

/// A registered type without a JSON form: no topic can carry it.
struct opaque {
  void* p = nullptr;
};
RINGACTOR_TYPE(opaque, "topic_test.opaque")

} // namespace topic_test

using topic_test::reading;

TEST_SUITE_BEGIN("libactor");

TEST_CASE("an actor subscribed to a topic receives each event as a topic_event with its topic, "
          "id, type and JSON, in order") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto t = topics::of(sys).add("readings", {.buffer = 8, .subscriber_buffer = 16});
  scoped_actor self{sys};
  auto sub = topics::of(sys).subscribe("readings", self.as_actor());
  REQUIRE(sub);
  std::uint64_t next_id = 1;
  auto receive_one = [&](std::int32_t i) {
    return self->receive_for(
      5s,
      [&](const topic_event& e) {
        CHECK(e.topic == "readings");
        CHECK(e.id == next_id++);
        CHECK(e.type == "topic_test.reading");
        CHECK(e.data == fmt::format("{{\"sensor\":{},\"value\":{}}}", i, i * 10));
      },
      [](const topic_overflow& o) { FAIL("unexpected overflow, dropped " << o.dropped); });
  };
  for (std::int32_t i = 1; i <= 10; ++i)
    REQUIRE(t->publish(reading{i, i * 10}));
  for (std::int32_t i = 1; i <= 10; ++i)
    REQUIRE(receive_one(i));
  // Live again after it drained: the next events come as they are published.
  for (std::int32_t i = 11; i <= 12; ++i) {
    REQUIRE(t->publish(reading{i, i * 10}));
    REQUIRE(receive_one(i));
  }
  CHECK(t->stats().subscribers == 1);
  CHECK(t->stats().overflows == 0);
  t->unsubscribe(*sub);
  CHECK(t->stats().subscribers == 0);
}

TEST_CASE("a subscriber that never drains is cut off with exactly one topic_overflow counting "
          "what it lost, its queue never past the bound") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  constexpr std::size_t bound = 16;
  auto t = topics::of(sys).add("flood", {.buffer = 32, .subscriber_buffer = bound});
  scoped_actor self{sys};
  auto sub = topics::of(sys).subscribe("flood", self.as_actor());
  REQUIRE(sub);
  // The scoped actor receives nothing while 10,000 events are published.
  std::size_t most_queued = 0;
  for (std::int32_t i = 1; i <= 10'000; ++i) {
    REQUIRE(t->publish(reading{i, i}));
    most_queued = std::max(most_queued, (*sub)->queued());
  }
  CHECK(most_queued <= bound);
  CHECK((*sub)->overflowed());
  CHECK((*sub)->queued() == 0); // its backlog was dropped, not kept
  auto st = t->stats();
  CHECK(st.published == 10'000);
  CHECK(st.overflows == 1);
  CHECK(st.subscribers == 0);
  // In its mailbox: event 1 (sent at once), then the notice. Events 2 to
  // 17 waited in the queue and 18 did not fit: 17 lost.
  REQUIRE(self->receive_for(5s, [](const topic_event& e) { CHECK(e.id == 1); }));
  int overflows = 0;
  REQUIRE(self->receive_for(5s, [&](const topic_overflow& o) {
    ++overflows;
    CHECK(o.topic == "flood");
    CHECK(o.dropped == bound + 1);
    CHECK(o.last_id == 1);
  }));
  CHECK(overflows == 1);
  // Nothing after the notice (a bounded wait for what must not come).
  CHECK_FALSE(self->receive_for(
    100ms, [](const topic_event& e) { FAIL("an event after the overflow: " << e.id); },
    [](const topic_overflow&) { FAIL("a second overflow notice"); }));
}

TEST_CASE("an actor subscribed with its own buffer is cut off at that bound, not the topic's") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto t = topics::of(sys).add("own_bound", {.buffer = 32, .subscriber_buffer = 64});
  scoped_actor self{sys};
  CHECK_THROWS_AS(t->subscribe(self.as_actor(), 0), std::invalid_argument);
  auto sub = t->subscribe(self.as_actor(), 4);
  for (std::int32_t i = 1; i <= 100; ++i)
    REQUIRE(t->publish(reading{i, i}));
  CHECK(sub->overflowed());
  CHECK(t->stats().overflows == 1);
  // Event 1 in the mailbox, 2 to 5 queued, 6 did not fit: 5 lost.
  REQUIRE(self->receive_for(5s, [](const topic_event& e) { CHECK(e.id == 1); }));
  REQUIRE(self->receive_for(5s, [](const topic_overflow& o) {
    CHECK(o.dropped == 5);
    CHECK(o.last_id == 1);
  }));
}

TEST_CASE("an actor that unsubscribed receives nothing more than the event in its mailbox") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto t = topics::of(sys).add("short", {.buffer = 8, .subscriber_buffer = 8});
  scoped_actor self{sys};
  auto sub = topics::of(sys).subscribe("short", self.as_actor());
  REQUIRE(sub);
  for (std::int32_t i = 1; i <= 5; ++i)
    REQUIRE(t->publish(reading{i, i}));
  CHECK((*sub)->queued() == 4);
  t->unsubscribe(*sub);
  CHECK((*sub)->queued() == 0);
  REQUIRE(t->publish(reading{6, 6}));
  REQUIRE(self->receive_for(5s, [](const topic_event& e) { CHECK(e.id == 1); }));
  CHECK_FALSE(self->receive_for(
    100ms, [](const topic_event& e) { FAIL("an event after unsubscribe: " << e.id); },
    [](const topic_overflow&) { FAIL("an overflow after unsubscribe"); }));
}

TEST_CASE("an event-based actor subscriber that keeps up receives every event once") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto t = topics::of(sys).add("steady", {.buffer = 8, .subscriber_buffer = 2048});
  static constexpr std::uint64_t n = 2000;
  std::promise<std::uint64_t> done;
  auto counter = sys.spawn([&done](event_based_actor*) -> behavior {
    auto next = std::make_shared<std::uint64_t>(1);
    return {[next, &done](const topic_event& e) {
              if (e.id != *next)
                done.set_value(e.id + 1'000'000); // out of order: seen by the check below
              else if (++*next == n + 1)
                done.set_value(n);
            },
            [&done](const topic_overflow&) { done.set_value(0); }};
  });
  REQUIRE(topics::of(sys).subscribe("steady", counter));
  for (std::uint64_t i = 1; i <= n; ++i)
    REQUIRE(t->publish(reading{1, static_cast<std::int64_t>(i)}));
  auto f = done.get_future();
  REQUIRE(f.wait_for(10s) == std::future_status::ready);
  CHECK(f.get() == n);
  anon_send_exit(counter, exit_reason::kill);
}

TEST_CASE("an actor subscriber that exited is dropped from the topic at the next publish") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto t = topics::of(sys).add("brief");
  auto a = sys.spawn([](event_based_actor*) -> behavior { return {[](const topic_event&) {}}; });
  REQUIRE(topics::of(sys).subscribe("brief", a));
  scoped_actor self{sys};
  self->monitor(a);
  anon_send_exit(a, exit_reason::kill);
  REQUIRE(self->receive_for(5s, [](const down_msg&) {}));
  CHECK(t->stats().subscribers == 1);
  REQUIRE(t->publish(reading{1, 1}));
  CHECK(t->stats().subscribers == 0);
  CHECK(t->stats().overflows == 0);
}

TEST_CASE("a message type's topic is the topic named by its registered name, made on first use") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto& ts = topics::of(sys);
  CHECK(ts.find("topic_test.reading") == nullptr);
  scoped_actor self{sys};
  // Subscribing by the type's name creates its topic.
  auto sub = ts.subscribe("topic_test.reading", self.as_actor());
  REQUIRE(sub);
  auto t = ts.find("topic_test.reading");
  REQUIRE(t);
  CHECK(ts.for_type<reading>() == t);
  auto by_name = ts.for_type("topic_test.reading");
  REQUIRE(by_name);
  CHECK(*by_name == t);
  // Publishing a value goes to its type's topic; so does a message sent to
  // the topic's actor.
  auto id = ts.publish(reading{3, 30});
  REQUIRE(id);
  CHECK(*id == 1);
  anon_send(ts.actor_of("topic_test.reading"), reading{4, 40});
  for (std::int32_t sensor = 3; sensor <= 4; ++sensor)
    REQUIRE(self->receive_for(5s, [&](const topic_event& e) {
      CHECK(e.topic == "topic_test.reading");
      CHECK(e.type == "topic_test.reading");
      CHECK(e.data == fmt::format("{{\"sensor\":{},\"value\":{}}}", sensor, sensor * 10));
    }));
  // A name that is neither a topic nor a type, a type without a JSON form.
  auto none = ts.for_type("topic_test.nothing");
  REQUIRE_FALSE(none);
  CHECK(none.error() == sec::invalid_argument);
  CHECK(to_string(none.error()).find("topic_test.nothing") != std::string::npos);
  auto opaque = ts.for_type("topic_test.opaque");
  REQUIRE_FALSE(opaque);
  CHECK(to_string(opaque.error()).find("no JSON form") != std::string::npos);
  auto unknown = ts.subscribe("topic_test.nothing", self.as_actor());
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error() == sec::no_such_actor);
  CHECK(ts.find("topic_test.nothing") == nullptr);
  CHECK_FALSE(ts.subscribe("topic_test.reading", actor{}));
}

TEST_CASE("topic_event and topic_overflow are registered wire types with their fields") {
  auto e = type_registry::global().find("ringactor.topic_event");
  REQUIRE(e);
  CHECK((e->json.save != nullptr));
  auto o = type_registry::global().find("ringactor.topic_overflow");
  REQUIRE(o);
  auto text = to_json(topic_event{"t", 7, "x.y", "{}"});
  REQUIRE(text);
  CHECK(*text == R"({"topic":"t","id":7,"type":"x.y","data":"{}"})");
  topic_overflow back;
  REQUIRE(from_json(R"({"topic":"t","dropped":3,"last_id":9})", back));
  CHECK(back.dropped == 3);
  CHECK(back.last_id == 9);
}

TEST_CASE("the system's topics are cleared at shutdown and take no new topic after it") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto t = topics::of(sys).add("early");
  REQUIRE(topics::of(sys).actor_of("early"));
  sys.shutdown();
  CHECK(topics::of(sys).find("early") == nullptr);
  CHECK_THROWS_AS(topics::of(sys).add("late"), system_shut_down);
  // The topic object itself lives on with its holders.
  CHECK(t->publish("x.y", "{}") == 1);
}

TEST_SUITE_END();
