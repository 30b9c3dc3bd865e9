// The rate limit (token buckets, global and per client key) and the
// concurrency limit with load shedding, against an in-process http_server
// on a loopback port.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include <ringactor/service/http_server.hpp>
#include <ringactor/service/layers/concurrency_limit.hpp>
#include <ringactor/service/layers/rate_limit.hpp>

#include "middleware_helpers.hpp"

using namespace ringactor;
using namespace service_test;
using namespace std::chrono_literals;

TEST_SUITE_BEGIN("service");

TEST_CASE("a client key past its burst gets 429 rate_limited with Retry-After, another key does "
          "not") {
  service::http_server server{{.port = 0}};
  server.use(service::rate_limit({.rate = 0.5, .burst = 3, .key = "header:X-Api-Key"}));
  server.route("GET", "/x", ok_json);
  REQUIRE(server.start());
  for (int i = 0; i < 3; ++i)
    CHECK(status_of(request(server.port(), raw_request("GET", "/x", {"X-Api-Key: a"}))) == 200);
  auto refused = request(server.port(), raw_request("GET", "/x", {"X-Api-Key: a"}));
  CHECK(status_of(refused) == 429);
  CHECK(contains(body_of(refused), R"("error":"rate_limited")"));
  // One token per 2 s: the wait, rounded up, is 2 s (a little less has
  // passed since the bucket emptied, never more than 2 s).
  CHECK(header_of(refused, "Retry-After") == "2");
  CHECK(status_of(request(server.port(), raw_request("GET", "/x", {"X-Api-Key: b"}))) == 200);
  // Without the header a request is keyed by its address: a bucket of its own.
  CHECK(status_of(request(server.port(), raw_request("GET", "/x"))) == 200);
  server.stop();
}

TEST_CASE("the global rate limit admits burst + rate x elapsed requests, within 5%") {
  constexpr double rate = 200;
  // A burst of 250 ms of tokens: a client stalled for less (a busy
  // machine) finds the bucket not yet full, so no token is lost to the cap.
  constexpr double burst = 50;
  service::http_server server{{.port = 0}};
  server.use(service::rate_limit({.global_rate = rate, .global_burst = burst}));
  server.route("GET", "/x", ok_json);
  REQUIRE(server.start());
  connection c{server.port()};
  std::size_t admitted = 0;
  std::size_t refused = 0;
  auto start = std::chrono::steady_clock::now();
  auto last = start;
  // Bounded in count and time: about 1.5 s of requests on one keep-alive
  // connection, far more than the bucket admits.
  for (int i = 0; i < 300'000 && last - start < 1500ms; ++i) {
    REQUIRE(c.send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto r = c.read_response();
    last = std::chrono::steady_clock::now();
    auto s = status_of(r);
    REQUIRE((s == 200 || s == 429));
    (s == 200 ? admitted : refused) += 1;
  }
  // Tokens came in from the first request (a full bucket) to the last.
  double elapsed = std::chrono::duration<double>(last - start).count();
  double expected = burst + rate * elapsed;
  MESSAGE("admitted ", admitted, " of ", admitted + refused, " in ", elapsed, " s; expected ",
          expected);
  CHECK(refused > admitted); // the limit was reached, not the client's pace
  CHECK(static_cast<double>(admitted) >= expected * 0.95);
  CHECK(static_cast<double>(admitted) <= expected * 1.05);
  server.stop();
}

TEST_CASE("per-key buckets stay within max_keys, the one used longest ago going first") {
  service::rate_limiter limiter{{.rate = 1, .burst = 1, .max_keys = 3}};
  auto now = service::rate_limiter::clock::now();
  CHECK_FALSE(limiter.try_take("a", now).has_value());
  CHECK_FALSE(limiter.try_take("b", now).has_value());
  CHECK_FALSE(limiter.try_take("c", now).has_value());
  CHECK(limiter.try_take("a", now) == std::chrono::seconds{1}); // empty: touched, stays
  CHECK_FALSE(limiter.try_take("d", now).has_value());          // "b" goes
  CHECK(limiter.keys() == 3);
  CHECK_FALSE(limiter.try_take("b", now).has_value()); // a fresh bucket; "c" goes
  CHECK(limiter.try_take("a", now).has_value());       // still there, still empty
  CHECK(limiter.keys() == 3);
  for (int i = 0; i < 1000; ++i)
    (void) limiter.try_take("k" + std::to_string(i), now);
  CHECK(limiter.keys() == 3);
}

TEST_CASE("a rate limit with a bad key kind or burst is refused when it is made") {
  CHECK_THROWS_AS(service::rate_limiter({.rate = 1, .burst = 1, .key = "cookie"}),
                  std::invalid_argument);
  CHECK_THROWS_AS(service::rate_limiter({.rate = 1, .burst = 0}), std::invalid_argument);
  CHECK_THROWS_AS(service::rate_limiter({.rate = 1, .burst = 1, .max_keys = 0}),
                  std::invalid_argument);
}

TEST_CASE("requests past the concurrency limit are shed with 503 shedding and Retry-After, and "
          "admitted again once one is answered") {
  service::http_server server{{.port = 0}};
  parked slots;
  server.route_async("GET", "/work",
                     [&](const service::http_request&, service::responder r) {
                       slots.put(std::move(r));
                     },
                     {service::concurrency_limit({.max_in_flight = 2, .retry_after = 3s})});
  REQUIRE(server.start());
  connection a{server.port()};
  connection b{server.port()};
  REQUIRE(a.send("GET /work HTTP/1.1\r\nHost: x\r\n\r\n"));
  REQUIRE(b.send("GET /work HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto first = slots.take();
  auto second = slots.take();
  REQUIRE(first.has_value());
  REQUIRE(second.has_value());
  auto shed = request(server.port(), raw_request("GET", "/work"));
  CHECK(status_of(shed) == 503);
  CHECK(contains(body_of(shed), R"("error":"shedding")"));
  CHECK(header_of(shed, "Retry-After") == "3");
  (*first)(service::http_response::json(200, R"({"n":1})"));
  CHECK(status_of(a.read_response()) == 200);
  // One slot is free again: the next request reaches the handler.
  connection d{server.port()};
  REQUIRE(d.send("GET /work HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto third = slots.take();
  REQUIRE(third.has_value());
  (*second)(service::http_response::json(200, R"({"n":2})"));
  (*third)(service::http_response::json(200, R"({"n":3})"));
  CHECK(body_of(b.read_response()) == R"({"n":2})");
  CHECK(body_of(d.read_response()) == R"({"n":3})");
  server.stop();
}

TEST_SUITE_END();
