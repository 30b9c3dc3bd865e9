// test/service: event streams and WebSocket upgrades pass the server's
// middleware layers as every other route does: ringactor-server with bearer
// auth and CORS from its keys refuses a stream or an upgrade without a
// token, and opens the stream with one, carrying the layers' headers.
#include <doctest/doctest.h>

#include <string>

#include "middleware_helpers.hpp"
#include "sse_client.hpp"

using namespace service_test;
using namespace std::chrono_literals;

namespace {

const std::string example_config = std::string{RINGACTOR_SOURCE_ROOT}
                                   + "/service/server.example.toml";

} // namespace

TEST_SUITE_BEGIN("service");

TEST_CASE("an event stream needs a bearer token when auth is on, and carries the CORS layer's "
          "headers once admitted") {
  server_process s{
    {"--config", example_config, "--auth.tokens=s3cret", "--cors.origins=https://app.example"}};
  REQUIRE_MESSAGE(s.port() != 0, s.output());
  {
    sse_client anonymous{s.port(), "/topics/totals/events"};
    auto head = anonymous.head();
    CHECK_MESSAGE(head.starts_with("HTTP/1.1 401"), head);
    CHECK(contains(head, "WWW-Authenticate: Bearer"));
  }
  sse_client c{s.port(), "/topics/totals/events",
               "Authorization: Bearer s3cret\r\nOrigin: https://app.example\r\n"};
  auto head = c.head();
  REQUIRE_MESSAGE(head.starts_with("HTTP/1.1 200"), head);
  CHECK(contains(head, "Content-Type: text/event-stream"));
  CHECK(contains(head, "Access-Control-Allow-Origin: https://app.example"));
  CHECK_FALSE(contains(head, "X-Ringactor-Admit")); // the admission never leaves the server
  std::string body = R"({"value":5})";
  auto r = request(s.port(), "POST /kernels/adder_host/adder.accumulate HTTP/1.1\r\nHost: x\r\n"
                             "Authorization: Bearer s3cret\r\nContent-Length: "
                               + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n"
                               + body);
  REQUIRE_MESSAGE(status_of(r) == 200, r);
  auto e = c.next_event(5s);
  REQUIRE(e);
  CHECK(e->type == "adder.total");
  CHECK_MESSAGE(s.stop() == 0, s.output());
}

TEST_CASE("a WebSocket upgrade without a bearer token is refused with 401 when auth is on") {
  server_process s{{"--config", example_config, "--auth.tokens=s3cret"}};
  REQUIRE_MESSAGE(s.port() != 0, s.output());
  auto r = request(s.port(),
                   "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                   "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                   "Sec-WebSocket-Version: 13\r\n\r\n");
  CHECK_MESSAGE(status_of(r) == 401, r);
  CHECK(contains(r, "unauthenticated"));
  CHECK_MESSAGE(s.stop() == 0, s.output());
}
