// test/service: the subscribers of a topic's event stream against a real
// server process: a slow subscriber is cut off with an overflow event while
// a fast one keeps every event and the publisher is not held up; SIGTERM
// ends open streams; subscribers that come and go leave no trace.
#include <doctest/doctest.h>

#include <signal.h>

#include <memory>
#include <string>
#include <vector>

#include "sse_server.hpp"

using namespace service_test;
using namespace std::chrono_literals;

TEST_SUITE_BEGIN("service");

TEST_CASE("a subscriber that stops reading is cut off with an overflow event while a fast one "
          "gets every event and the publisher is not held up") {
  // Small socket buffers on both ends, so that the stalled stream fills
  // them within a few hundred events; a long write deadline, so that the
  // server does not close the stalled connection before the test reads it.
  ticks_server s{{"--http.stream_send_buffer=4096", "--http.read_timeout=60s"}};
  REQUIRE_MESSAGE(s.port() != 0, s.proc.output());
  sse_client slow{s.port(), "/topics/ticks/events", {}, 4096};
  sse_client fast{s.port(), "/topics/ticks/events"};
  REQUIRE(slow.head().starts_with("HTTP/1.1 200"));
  REQUIRE(fast.head().starts_with("HTTP/1.1 200"));
  REQUIRE(wait_topic_counter(s.port(), "ticks", "subscribers", 2) == 2);

  constexpr int burst = 8;
  long published = 0;
  long overflows = 0;
  int bursts_after_overflow = 0;
  auto slowest_burst = 0ms;
  // Bounded: 400 bursts of 8 ticks of about 200 bytes are 640 KB, far more
  // than the stalled stream's buffers and queue hold.
  for (int b = 0; b < 400 && bursts_after_overflow < 3; ++b) {
    auto start = std::chrono::steady_clock::now();
    REQUIRE(publish_ticks(s.port(), burst) == 200);
    slowest_burst = std::max(slowest_burst, std::chrono::duration_cast<std::chrono::milliseconds>(
                                              std::chrono::steady_clock::now() - start));
    for (int i = 0; i < burst; ++i) {
      auto e = fast.next_event(5s);
      REQUIRE_MESSAGE(e, "the fast subscriber missed tick " << published + 1);
      REQUIRE(e->type == "rest_test.tick");
      REQUIRE(number_after(e->data, "n") == ++published);
      REQUIRE(e->id == std::to_string(published));
    }
    if (overflows == 0)
      overflows = number_after(body_of(get(s.port(), "/topics/ticks")), "overflows");
    else
      ++bursts_after_overflow;
  }
  MESSAGE("published " << published << " ticks, the slowest burst took " << slowest_burst.count()
                       << " ms");
  REQUIRE(overflows == 1);
  CHECK(bursts_after_overflow == 3);
  CHECK(slowest_burst < 2s); // a stalled subscriber does not hold up the publisher
  // The fast subscriber stays subscribed; the slow one is gone from the topic.
  CHECK(wait_topic_counter(s.port(), "ticks", "subscribers", 1) == 1);

  // The slow subscriber reads now: the ticks it took, in order, then the
  // overflow event naming the last of them, then the end of the stream.
  long last = 0;
  std::optional<sse_event> overflow;
  for (long i = 0; i <= published; ++i) { // bounded by what was published
    auto e = slow.next_event(5s);
    REQUIRE_MESSAGE(e, "the slow stream ended without an overflow event after tick " << last);
    if (e->type == "overflow") {
      overflow = e;
      break;
    }
    REQUIRE(number_after(e->data, "n") == ++last);
  }
  REQUIRE(overflow);
  INFO(overflow->data);
  CHECK(last > 0);
  CHECK(last < published);
  CHECK(number_after(overflow->data, "last_event_id") == last);
  CHECK(number_after(overflow->data, "dropped") >= 1);
  CHECK(number_after(overflow->data, "subscriber_buffer") == 16);
  CHECK(slow.wait_closed(5s));
  CHECK_MESSAGE(s.proc.stop() == 0, s.proc.output());
}

TEST_CASE("SIGTERM ends open event streams and the server exits 0 within its grace period") {
  ticks_server s{{"--http.shutdown_grace=2s"}};
  REQUIRE_MESSAGE(s.port() != 0, s.proc.output());
  std::vector<std::unique_ptr<sse_client>> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(std::make_unique<sse_client>(s.port(), "/topics/ticks/events"));
    REQUIRE(clients.back()->head().starts_with("HTTP/1.1 200"));
  }
  REQUIRE(wait_topic_counter(s.port(), "ticks", "subscribers", 3) == 3);
  REQUIRE(publish_ticks(s.port(), 2) == 200);
  for (auto& c : clients)
    CHECK(c->next_event(5s));
  auto start = std::chrono::steady_clock::now();
  s.proc.signal(SIGTERM);
  for (auto& c : clients)
    CHECK(c->wait_closed(5s));
  // The streams end at once (they are not requests in flight that the
  // grace period waits for): well within the 2 s grace.
  CHECK(std::chrono::steady_clock::now() - start < 2s);
  auto status = s.proc.wait(10s);
  REQUIRE_MESSAGE(status, s.proc.output());
  CHECK_MESSAGE(*status == 0, s.proc.output());
}

TEST_CASE("subscribers that connect and disconnect leave the topic's subscriber count at 0") {
  ticks_server s;
  REQUIRE_MESSAGE(s.port() != 0, s.proc.output());
  for (int round = 0; round < 10; ++round) {
    std::vector<std::unique_ptr<sse_client>> clients;
    for (int i = 0; i < 5; ++i) {
      clients.push_back(std::make_unique<sse_client>(s.port(), "/topics/ticks/events"));
      REQUIRE(clients.back()->head().starts_with("HTTP/1.1 200"));
    }
    REQUIRE(wait_topic_counter(s.port(), "ticks", "subscribers", 5) == 5);
    if (round % 2 == 0) // with events in their queues, or without
      REQUIRE(publish_ticks(s.port(), 3) == 200);
    clients.clear(); // each closes its connection
    REQUIRE(wait_topic_counter(s.port(), "ticks", "subscribers", 0) == 0);
  }
  // And publishing to no subscriber still works.
  REQUIRE(publish_ticks(s.port(), 1) == 200);
  CHECK(wait_topic_counter(s.port(), "ticks", "published", 16) == 16);
  CHECK(s.proc.stop() == 0);
}
