// test/service: a topic's Server-Sent Events stream against a real server
// process: events in order with ids and types, Last-Event-ID resume, the
// gap of a resume past the ring, heartbeats, and the errors.
#include <doctest/doctest.h>

#include <string>

#include "sse_server.hpp"
#include "middleware_helpers.hpp"

using namespace service_test;
using namespace std::chrono_literals;

namespace {

/// Checks that the next events of `c` are ticks `first`..`last`, in order.
void expect_ticks(sse_client& c, long first, long last) {
  for (long n = first; n <= last; ++n) {
    auto e = c.next_event(5s);
    REQUIRE_MESSAGE(e, "tick " << n << " did not come");
    CHECK(e->id == std::to_string(n));
    CHECK(e->type == "rest_test.tick");
    CHECK(number_after(e->data, "n") == n);
  }
}

} // namespace

TEST_SUITE_BEGIN("service");

TEST_CASE("a topic's event stream carries each published event in order with its id, type and "
          "JSON") {
  ticks_server s;
  REQUIRE_MESSAGE(s.port() != 0, s.proc.output());
  sse_client c{s.port(), "/topics/ticks/events"};
  auto head = c.head();
  INFO(head);
  CHECK(head.starts_with("HTTP/1.1 200"));
  CHECK(contains(head, "Content-Type: text/event-stream"));
  CHECK_FALSE(contains(head, "Content-Length"));
  CHECK(wait_topic_counter(s.port(), "ticks", "subscribers", 1) == 1);
  REQUIRE(publish_ticks(s.port(), 5) == 200);
  expect_ticks(c, 1, 5);
  auto e = c.next_event(5s);
  CHECK_FALSE(e); // nothing more was published
  CHECK_MESSAGE(s.proc.stop() == 0, s.proc.output());
}

TEST_CASE("ringactor-server's example configuration streams the host adders' running totals") {
  server_process s{
    {"--config", std::string{RINGACTOR_SOURCE_ROOT} + "/service/server.example.toml"}};
  REQUIRE_MESSAGE(s.port() != 0, s.output());
  sse_client c{s.port(), "/topics/totals/events"};
  REQUIRE(c.head().starts_with("HTTP/1.1 200"));
  for (int v = 1; v <= 3; ++v) {
    auto r = post(s.port(), "/kernels/adder_host/adder.accumulate",
                  "{\"value\":" + std::to_string(v) + "}");
    REQUIRE_MESSAGE(status_of(r) == 200, r);
  }
  long sum = 0;
  for (int v = 1; v <= 3; ++v) {
    auto e = c.next_event(5s);
    REQUIRE(e);
    CHECK(e->id == std::to_string(v));
    CHECK(e->type == "adder.total");
    CHECK(number_after(e->data, "added") == v);
    sum += number_after(e->data, "added");
  }
  CHECK(sum == 6);
  CHECK_MESSAGE(s.stop() == 0, s.output());
}

TEST_CASE("Last-Event-ID resumes with exactly the events after it, then the live ones") {
  ticks_server s;
  REQUIRE_MESSAGE(s.port() != 0, s.proc.output());
  REQUIRE(publish_ticks(s.port(), 6) == 200);
  REQUIRE(wait_topic_counter(s.port(), "ticks", "published", 6) == 6);
  SUBCASE("as a header") {
    sse_client c{s.port(), "/topics/ticks/events", "Last-Event-ID: 3\r\n"};
    expect_ticks(c, 4, 6);
    REQUIRE(publish_ticks(s.port(), 2) == 200);
    expect_ticks(c, 7, 8);
  }
  SUBCASE("as the query parameter last_event_id") {
    sse_client c{s.port(), "/topics/ticks/events?last_event_id=5"};
    expect_ticks(c, 6, 6);
    REQUIRE(publish_ticks(s.port(), 1) == 200);
    expect_ticks(c, 7, 7);
  }
  SUBCASE("an id at the newest event resumes live") {
    sse_client c{s.port(), "/topics/ticks/events", "Last-Event-ID: 6\r\n"};
    REQUIRE(c.head().starts_with("HTTP/1.1 200"));
    CHECK(wait_topic_counter(s.port(), "ticks", "subscribers", 1) == 1);
    REQUIRE(publish_ticks(s.port(), 1) == 200);
    expect_ticks(c, 7, 7);
  }
  CHECK_MESSAGE(s.proc.stop() == 0, s.proc.output());
}

TEST_CASE("a resume from an id older than the ring reports the gap before the events it holds") {
  ticks_server s;
  REQUIRE_MESSAGE(s.port() != 0, s.proc.output());
  REQUIRE(publish_ticks(s.port(), 20) == 200);
  REQUIRE(wait_topic_counter(s.port(), "ticks", "published", 20) == 20);
  // The ring holds the last 8: ids 13 to 20; 3 to 12 are gone.
  sse_client c{s.port(), "/topics/ticks/events", "Last-Event-ID: 2\r\n"};
  auto gap = c.next_event(5s);
  REQUIRE(gap);
  CHECK(gap->type == "gap");
  CHECK(gap->id.empty());
  CHECK(number_after(gap->data, "missed") == 10);
  CHECK(number_after(gap->data, "first_id") == 13);
  expect_ticks(c, 13, 20);
  CHECK_MESSAGE(s.proc.stop() == 0, s.proc.output());
}

TEST_CASE("an unknown topic is 404 and a Last-Event-ID that is no number is 400, both JSON") {
  ticks_server s;
  REQUIRE_MESSAGE(s.port() != 0, s.proc.output());
  auto r = get(s.port(), "/topics/nope/events");
  CHECK(status_of(r) == 404);
  CHECK(contains(r, "Content-Type: application/json"));
  CHECK(contains(body_of(r), R"("error":"unknown_topic")"));
  CHECK(status_of(get(s.port(), "/topics/nope")) == 404);
  r = request(s.port(), "GET /topics/ticks/events HTTP/1.1\r\nHost: x\r\nLast-Event-ID: 12x\r\n"
                        "Connection: close\r\n\r\n");
  CHECK(status_of(r) == 400);
  CHECK(contains(body_of(r), R"("error":"bad_last_event_id")"));
  CHECK(status_of(get(s.port(), "/topics/ticks/events?last_event_id=-1")) == 400);
  // Nothing subscribed on the way.
  CHECK(number_after(body_of(get(s.port(), "/topics/ticks")), "subscribers") == 0);
  CHECK_MESSAGE(s.proc.stop() == 0, s.proc.output());
}

TEST_CASE("a quiet event stream writes a heartbeat comment at the configured interval") {
  ticks_server s{{"--http.sse_heartbeat=100ms"}};
  REQUIRE_MESSAGE(s.port() != 0, s.proc.output());
  sse_client c{s.port(), "/topics/ticks/events"};
  for (int i = 0; i < 2; ++i) {
    auto e = c.next(3s);
    REQUIRE(e);
    CHECK(e->comment == "heartbeat");
    CHECK(e->type.empty());
  }
  CHECK_MESSAGE(s.proc.stop() == 0, s.proc.output());
}

TEST_CASE("a message without a JSON form is refused by the topic, counted, and not published") {
  ticks_server s;
  REQUIRE_MESSAGE(s.port() != 0, s.proc.output());
  REQUIRE(publish_ticks(s.port(), -1) == 200); // one `opaque` message
  CHECK(wait_topic_counter(s.port(), "ticks", "refused", 1) == 1);
  auto st = get(s.port(), "/topics/ticks");
  CHECK(number_after(body_of(st), "published") == 0);
  CHECK_MESSAGE(s.proc.stop() == 0, s.proc.output());
  CHECK(contains(s.proc.output(), "topic 'ticks' refused a message"));
}

TEST_CASE("a topic whose buffer is 0 is a configuration error that names the key") {
  server_process s{{"--topics.ticks.buffer=0"}};
  CHECK(s.port() == 0);
  auto status = s.wait(10s);
  REQUIRE_MESSAGE(status, s.output());
  CHECK(*status == 2);
  CHECK(contains(s.output(), "topics.ticks.buffer: expected integer in [1, 1048576], found 0"));
}
