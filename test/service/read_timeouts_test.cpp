// test/service: the separate read deadlines of a request against a real
// ringactor-server: http.header_timeout (request line and headers, from the
// first byte), http.body_timeout (the body, from the end of the headers) and
// http.idle_timeout (a kept-alive connection without a next request). Each
// dripping client is bounded in bytes and time.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>

#include "middleware_helpers.hpp"

using namespace service_test;
using namespace std::chrono_literals;

namespace {

using clock_type = std::chrono::steady_clock;

/// Sends `piece` every 50 ms on `c` until the server closes it, `count`
/// pieces were sent or 4 s passed: a client that drips.
std::thread drip(connection& c, std::string piece, int count) {
  return std::thread{[&c, piece = std::move(piece), count] {
    auto until = clock_type::now() + 4s;
    for (int i = 0; i < count && clock_type::now() < until; ++i) {
      if (!c.send(piece))
        return; // the server closed it
      std::this_thread::sleep_for(50ms);
    }
  }};
}

} // namespace

TEST_SUITE_BEGIN("service");

TEST_CASE("header fields that drip in are cut off with 408 by header_timeout, not by the longer "
          "body_timeout") {
  server_process s{
    {"--http.header_timeout=300ms", "--http.body_timeout=10s", "--http.read_timeout=10s"}};
  REQUIRE_MESSAGE(s.port() != 0, s.output());
  connection c{s.port(), 5s};
  auto started = clock_type::now();
  REQUIRE(c.send("GET /health HTTP/1.1\r\nHost: x\r\n"));
  auto t = drip(c, "X-Drip: 1\r\n", 80);
  auto r = c.read_response();
  auto took = clock_type::now() - started;
  t.join();
  INFO(r);
  CHECK(status_of(r) == 408);
  CHECK(contains(body_of(r), "the request's header did not arrive within header_timeout (300 ms)"));
  CHECK(took < 2s);
  CHECK(c.closed_by_peer());
  CHECK_MESSAGE(s.stop() == 0, s.output());
}

TEST_CASE("a body that drips in is cut off with 408 by body_timeout while header_timeout is "
          "longer") {
  server_process s{
    {"--http.header_timeout=10s", "--http.body_timeout=300ms", "--http.read_timeout=10s"}};
  REQUIRE_MESSAGE(s.port() != 0, s.output());
  connection c{s.port(), 5s};
  REQUIRE(c.send("POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"));
  auto started = clock_type::now();
  auto t = drip(c, "x", 80);
  auto r = c.read_response();
  auto took = clock_type::now() - started;
  t.join();
  INFO(r);
  CHECK(status_of(r) == 408);
  CHECK(contains(body_of(r), "the request's body did not arrive within body_timeout (300 ms)"));
  CHECK(took < 2s);
  CHECK_MESSAGE(s.stop() == 0, s.output());
}

TEST_CASE("the body's deadline starts at the end of the headers: slow headers within "
          "header_timeout and a prompt body are served") {
  server_process s{{"--http.header_timeout=5s", "--http.body_timeout=300ms"}};
  REQUIRE_MESSAGE(s.port() != 0, s.output());
  connection c{s.port(), 5s};
  REQUIRE(c.send("POST /kernels HTTP/1.1\r\nHost: x\r\n"));
  // 10 header fields, 50 ms apart: 500 ms of headers, longer than the body
  // may take, within header_timeout.
  auto t = drip(c, "X-Slow: 1\r\n", 10);
  t.join();
  REQUIRE(c.send("Content-Length: 2\r\n\r\n{}"));
  auto r = c.read_response();
  INFO(r);
  CHECK(status_of(r) == 405); // an answer of the route, not 408: GET /kernels only
  CHECK_MESSAGE(s.stop() == 0, s.output());
}

TEST_CASE("a kept-alive connection without a next request is closed by idle_timeout without an "
          "answer") {
  server_process s{{"--http.idle_timeout=300ms", "--http.header_timeout=10s"}};
  REQUIRE_MESSAGE(s.port() != 0, s.output());
  connection c{s.port(), 5s};
  REQUIRE(c.send("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n"));
  REQUIRE(status_of(c.read_response()) == 200);
  auto started = clock_type::now();
  CHECK(c.closed_by_peer());
  CHECK(clock_type::now() - started < 2s);
  CHECK(c.read_response().empty()); // closed without an answer
  // A next request that starts before idle_timeout passes gets its header
  // deadline from its first byte: served though it takes longer than 300 ms.
  connection d{s.port(), 5s};
  REQUIRE(d.send("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n"));
  REQUIRE(status_of(d.read_response()) == 200);
  REQUIRE(d.send("GET /health/live HTTP/1.1\r\n"));
  auto t = drip(d, "X-Slow: 1\r\n", 10);
  t.join();
  REQUIRE(d.send("Host: x\r\n\r\n"));
  auto r = d.read_response();
  CHECK_MESSAGE(status_of(r) == 200, r);
  CHECK_MESSAGE(s.stop() == 0, s.output());
}

TEST_CASE("http.read_timeout stays the default of header_timeout and body_timeout") {
  server_process s{{"--http.read_timeout=300ms"}};
  REQUIRE_MESSAGE(s.port() != 0, s.output());
  connection c{s.port(), 5s};
  REQUIRE(c.send("GET /health HTTP/1.1\r\nHost: x\r\n"));
  auto r = c.read_response();
  CHECK_MESSAGE(contains(body_of(r), "header_timeout (300 ms)"), r);
  connection b{s.port(), 5s};
  REQUIRE(b.send("POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nx"));
  r = b.read_response();
  CHECK_MESSAGE(contains(body_of(r), "body_timeout (300 ms)"), r);
  CHECK_MESSAGE(s.stop() == 0, s.output());
}
