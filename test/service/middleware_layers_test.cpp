// http_server's middleware layers, in process: a user's layer, the order of
// the server's and a route's layers, request ids and client addresses, the
// request timeout and the request's cancellation (timeout, disconnect,
// server stop).
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>

#include <ringactor/service/cancellation.hpp>
#include <ringactor/service/http_server.hpp>
#include <ringactor/service/layers/request_timeout.hpp>

#include "middleware_helpers.hpp"

using namespace ringactor;
using namespace service_test;
using namespace std::chrono_literals;

namespace {

/// A layer that appends `name` to the X-Layers header of the answer, so a
/// response tells which layers it went through, innermost first.
service::layer stamp(std::string name) {
  return [name](const service::http_request&, service::responder answer, service::next_layer next) {
    next(service::wrap(std::move(answer), [name](service::http_response& res) {
      for (auto& [key, value] : res.headers)
        if (key == "X-Layers") {
          value += "," + name;
          return;
        }
      res.headers.emplace_back("X-Layers", name);
    }));
  };
}

/// A user's layer as a class: refuses requests without X-Tenant.
struct tenant_required {
  void operator()(const service::http_request& req, service::responder answer,
                  service::next_layer next) const {
    if (req.header("X-Tenant").empty()) {
      answer(service::http_response::error(400, "tenant_missing", "X-Tenant is required"));
      return;
    }
    next(std::move(answer));
  }
};

service::http_response ok(const service::http_request&) {
  return service::http_response::json(200, R"({"ok":true})");
}

} // namespace

TEST_SUITE_BEGIN("service");

TEST_CASE("the server's layers run in order before a route's own, and only that route has them") {
  service::http_server server{{.port = 0}};
  server.use(stamp("outer1"));
  server.use(stamp("outer2"));
  server.route("GET", "/with", ok, {stamp("route"), tenant_required{}});
  server.route("GET", "/without", ok);
  REQUIRE(server.start());
  auto with = request(server.port(), raw_request("GET", "/with", {"X-Tenant: t1"}));
  CHECK(status_of(with) == 200);
  // Wrapped answers come back innermost first: the route's layer, then the
  // server's in reverse order of use().
  CHECK(header_of(with, "X-Layers") == "route,outer2,outer1");
  auto without = request(server.port(), raw_request("GET", "/without"));
  CHECK(status_of(without) == 200);
  CHECK(header_of(without, "X-Layers") == "outer2,outer1");
  // The user's class layer answers itself; the server's layers still see it.
  auto refused = request(server.port(), raw_request("GET", "/with"));
  CHECK(status_of(refused) == 400);
  CHECK(contains(body_of(refused), R"("error":"tenant_missing")"));
  INFO(refused);
  CHECK(header_of(refused, "X-Layers") == "route,outer2,outer1");
  // A 404 passes the server's layers too.
  auto missing = request(server.port(), raw_request("GET", "/nowhere"));
  CHECK(status_of(missing) == 404);
  CHECK(header_of(missing, "X-Layers") == "outer2,outer1");
  server.stop();
}

TEST_CASE("a response echoes the client's X-Request-Id or carries a fresh one, and the handler "
          "sees the client's address") {
  service::http_server server{{.port = 0}};
  server.route("GET", "/who", [](const service::http_request& req) {
    return service::http_response::json(200,
                                        "\"" + req.remote_address + " " + req.request_id + "\"");
  });
  REQUIRE(server.start());
  auto mine = request(server.port(), raw_request("GET", "/who", {"X-Request-Id: req-42.a"}));
  CHECK(header_of(mine, "X-Request-Id") == "req-42.a");
  CHECK(body_of(mine) == "\"127.0.0.1 req-42.a\"");
  auto fresh = request(server.port(), raw_request("GET", "/who"));
  auto id = header_of(fresh, "X-Request-Id");
  REQUIRE(id.has_value());
  CHECK(id->size() == 32);
  CHECK(body_of(fresh) == "\"127.0.0.1 " + *id + "\"");
  // An id that could forge a log line is replaced, not echoed.
  auto odd = request(server.port(), raw_request("GET", "/who", {"X-Request-Id: a b"}));
  CHECK(header_of(odd, "X-Request-Id")->size() == 32);
  server.stop();
}

TEST_CASE("a request past the request timeout gets 504 timeout and its handler sees the "
          "cancellation fire") {
  service::http_server server{{.port = 0}};
  server.use(service::request_timeout(150ms));
  parked slots;
  awaited<service::cancel_reason> seen;
  server.route_async("GET", "/slow", [&](const service::http_request& req, service::responder r) {
    req.cancel->on_cancel([&](service::cancel_reason why) { seen.set(why); });
    slots.put(std::move(r));
  });
  server.route("GET", "/fast", ok);
  REQUIRE(server.start());
  connection c{server.port()};
  auto start = std::chrono::steady_clock::now();
  REQUIRE(c.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto held = slots.take();
  REQUIRE(held.has_value());
  auto r = c.read_response();
  auto took = std::chrono::steady_clock::now() - start;
  CHECK(status_of(r) == 504);
  CHECK(contains(body_of(r), R"("error":"timeout")"));
  CHECK(took >= 150ms);
  auto why = seen.get();
  REQUIRE(why.has_value());
  CHECK(*why == service::cancel_reason::timeout);
  // The handler's late answer goes nowhere; the connection serves on.
  (*held)(service::http_response::json(200, R"({"late":true})"));
  REQUIRE(c.send("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto next = c.read_response();
  CHECK(status_of(next) == 200);
  CHECK(body_of(next) == R"({"ok":true})");
  server.stop();
}

TEST_CASE("a client that disconnects while its answer is awaited fires the request's "
          "cancellation") {
  service::http_server server{{.port = 0}};
  parked slots;
  awaited<service::cancel_reason> seen;
  server.route_async("GET", "/wait", [&](const service::http_request& req, service::responder r) {
    req.cancel->on_cancel([&](service::cancel_reason why) { seen.set(why); });
    slots.put(std::move(r));
  });
  REQUIRE(server.start());
  std::optional<service::responder> held;
  {
    connection c{server.port()};
    REQUIRE(c.send("GET /wait HTTP/1.1\r\nHost: x\r\n\r\n"));
    held = slots.take();
    REQUIRE(held.has_value());
    CHECK_FALSE(seen.get(50ms).has_value()); // nothing fires while the client waits
  }                                          // the client goes
  auto why = seen.get();
  REQUIRE(why.has_value());
  CHECK(*why == service::cancel_reason::disconnect);
  (*held)(service::http_response::json(200, "{}")); // dropped: nobody to answer
  server.stop();
}

TEST_CASE("stopping the server fires the cancellation of a request still awaited") {
  service::http_server server{{.port = 0, .shutdown_grace = 100ms}};
  parked slots;
  awaited<service::cancel_reason> seen;
  server.route_async("GET", "/wait", [&](const service::http_request& req, service::responder r) {
    req.cancel->on_cancel([&](service::cancel_reason why) { seen.set(why); });
    slots.put(std::move(r));
  });
  REQUIRE(server.start());
  connection c{server.port()};
  REQUIRE(c.send("GET /wait HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto held = slots.take();
  REQUIRE(held.has_value());
  server.stop();
  auto why = seen.get();
  REQUIRE(why.has_value());
  CHECK(*why == service::cancel_reason::server_stop);
  CHECK(status_of(c.read_response()) == 503);
}

TEST_CASE("a cancellation fires once, and a callback added after it runs at once") {
  service::cancellation c;
  int calls = 0;
  c.on_cancel([&](service::cancel_reason why) {
    ++calls;
    CHECK(why == service::cancel_reason::timeout);
  });
  CHECK(c.cancel(service::cancel_reason::timeout));
  CHECK_FALSE(c.cancel(service::cancel_reason::disconnect));
  CHECK(calls == 1);
  CHECK(c.reason() == service::cancel_reason::timeout);
  std::optional<service::cancel_reason> late;
  c.on_cancel([&](service::cancel_reason why) { late = why; });
  CHECK(late == service::cancel_reason::timeout);
}

TEST_SUITE_END();
