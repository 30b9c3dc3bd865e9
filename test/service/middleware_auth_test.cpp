// Bearer-token auth, CORS and the access log, against an in-process
// http_server on a loopback port.
#include <doctest/doctest.h>

#include <mutex>
#include <string>
#include <vector>

#include <ringactor/logger.hpp>
#include <ringactor/service/http_server.hpp>
#include <ringactor/service/layers/access_log.hpp>
#include <ringactor/service/layers/bearer_auth.hpp>
#include <ringactor/service/layers/cors.hpp>

#include "middleware_helpers.hpp"

using namespace ringactor;
using namespace service_test;

TEST_SUITE_BEGIN("service");

TEST_CASE("bearer auth answers 401 without a valid token, 403 for a token not allowed on the "
          "path, and lets probes through") {
  auto tokens = service::parse_bearer_tokens("all-paths, only-b:/b|/c/d ");
  REQUIRE(tokens);
  REQUIRE(tokens->size() == 2);
  service::http_server server{{.port = 0}};
  server.use(service::bearer_auth({.tokens = *tokens}));
  server.route("GET", "/a", ok_json);
  server.route("GET", "/b/{x}", ok_json);
  server.route("GET", "/health", ok_json);
  REQUIRE(server.start());
  auto port = server.port();
  auto none = request(port, raw_request("GET", "/a"));
  CHECK(status_of(none) == 401);
  CHECK(contains(body_of(none), R"("error":"unauthenticated")"));
  CHECK(header_of(none, "WWW-Authenticate") == "Bearer");
  auto wrong = request(port, raw_request("GET", "/a", {"Authorization: Bearer all-path"}));
  CHECK(status_of(wrong) == 401);
  CHECK(header_of(wrong, "WWW-Authenticate") == "Bearer");
  CHECK(status_of(request(port, raw_request("GET", "/a", {"Authorization: Basic YWxsLXBhdGhz"})))
        == 401);
  CHECK(status_of(request(port, raw_request("GET", "/a", {"Authorization: Bearer all-paths"})))
        == 200);
  CHECK(status_of(request(port, raw_request("GET", "/b/1", {"Authorization: Bearer all-paths"})))
        == 200);
  auto denied = request(port, raw_request("GET", "/a", {"Authorization: Bearer only-b"}));
  CHECK(status_of(denied) == 403);
  CHECK(contains(body_of(denied), R"("error":"permission_denied")"));
  CHECK(status_of(request(port, raw_request("GET", "/b/1", {"Authorization: Bearer only-b"})))
        == 200);
  CHECK(status_of(request(port, raw_request("GET", "/health"))) == 200);
  server.stop();
}

TEST_CASE("a token list with a malformed entry is an error naming the entry, not the token") {
  auto bad = service::parse_bearer_tokens("good, se cret");
  REQUIRE_FALSE(bad);
  CHECK(contains(to_string(bad.error()), "entry 2"));
  CHECK_FALSE(contains(to_string(bad.error()), "cret"));
  auto no_slash = service::parse_bearer_tokens("tok:kernels");
  REQUIRE_FALSE(no_slash);
  CHECK(contains(to_string(no_slash.error()), "'/'"));
  CHECK(service::path_within("/kernels/a", "/kernels"));
  CHECK_FALSE(service::path_within("/kernelsx", "/kernels"));
  CHECK_THROWS_AS(service::bearer_auth({}), std::invalid_argument);
}

TEST_CASE("CORS answers an allowed origin's preflight 204 and gives other origins no CORS "
          "header") {
  service::http_server server{{.port = 0}};
  server.use(service::cors({.origins = {"https://app.example"}}));
  server.route("POST", "/a", ok_json);
  REQUIRE(server.start());
  auto port = server.port();
  auto pre = request(port, raw_request("OPTIONS", "/a",
                                       {"Origin: https://app.example",
                                        "Access-Control-Request-Method: POST"}));
  INFO(pre);
  CHECK(status_of(pre) == 204);
  CHECK(header_of(pre, "Access-Control-Allow-Origin") == "https://app.example");
  CHECK(contains(header_of(pre, "Access-Control-Allow-Methods").value_or(""), "POST"));
  CHECK(contains(header_of(pre, "Access-Control-Allow-Headers").value_or(""), "Authorization"));
  CHECK(header_of(pre, "Access-Control-Max-Age") == "600");
  CHECK(header_of(pre, "Vary") == "Origin");
  CHECK_FALSE(header_of(pre, "Content-Type").has_value());
  auto simple = request(port, raw_request("POST", "/a", {"Origin: https://app.example"}));
  CHECK(status_of(simple) == 200);
  CHECK(header_of(simple, "Access-Control-Allow-Origin") == "https://app.example");
  CHECK(header_of(simple, "Vary") == "Origin");
  auto other = request(port, raw_request("POST", "/a", {"Origin: https://evil.example"}));
  CHECK(status_of(other) == 200);
  CHECK_FALSE(contains(other, "Access-Control-"));
  CHECK(header_of(other, "Vary") == "Origin");
  // A preflight from another origin is no preflight here: OPTIONS is not served.
  auto other_pre = request(port, raw_request("OPTIONS", "/a",
                                             {"Origin: https://evil.example",
                                              "Access-Control-Request-Method: POST"}));
  CHECK(status_of(other_pre) == 405);
  CHECK_FALSE(contains(other_pre, "Access-Control-"));
  server.stop();
}

TEST_CASE("the access log writes one line per request with method, path, status, duration, "
          "bytes, client, request id and trace id") {
  std::mutex mtx;
  std::vector<std::string> lines;
  auto level = current_log_level();
  set_log_level(log_level::info);
  set_log_sink([&](log_level, std::string_view line) {
    std::lock_guard guard{mtx};
    if (contains(line, "access "))
      lines.emplace_back(line);
  });
  {
    service::http_server server{{.port = 0}};
    server.use(service::access_log());
    server.route("GET", "/a", ok_json);
    REQUIRE(server.start());
    auto r = request(server.port(), raw_request("GET", "/a",
                                                {"X-Request-Id: log-1",
                                                 "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-"
                                                 "00f067aa0ba902b7-01"}));
    CHECK(status_of(r) == 200);
    CHECK(status_of(request(server.port(), raw_request("GET", "/missing"))) == 404);
    server.stop(); // the lines are written before the answers go out
  }
  set_log_sink({});
  set_log_level(level);
  std::lock_guard guard{mtx};
  REQUIRE(lines.size() == 2);
  CHECK(contains(lines[0], "access GET /a 200 "));
  CHECK(contains(lines[0], "ms 11B client=127.0.0.1 request_id=log-1 "
                           "trace_id=4bf92f3577b34da6a3ce929d0e0e4736"));
  CHECK(contains(lines[1], "access GET /missing 404 "));
  CHECK(contains(lines[1], "trace_id=-"));
  CHECK(service::trace_id_of("00-00000000000000000000000000000000-00f067aa0ba902b7-01").empty());
  CHECK(service::trace_id_of("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01").empty());
}

TEST_SUITE_END();
