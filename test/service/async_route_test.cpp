// http_server's asynchronous routes and path patterns, in process: the
// answer comes from another thread, a dropped responder answers 500, a
// second answer is ignored, a closed connection drops the answer.
#include <doctest/doctest.h>

#include <chrono>
#include <optional>
#include <thread>

#include <ringactor/service/http_server.hpp>

#include "middleware_helpers.hpp"

using namespace ringactor;
using namespace service_test;
using namespace std::chrono_literals;

TEST_SUITE_BEGIN("service");

TEST_CASE("an asynchronous route answers from another thread, once, with its path parameters") {
  service::http_server server{{.port = 0}};
  parked slots;
  std::string id;
  std::string message; // written before put(), read after take() (its mutex)
  server.route_async("GET", "/kernels/{id}/{message}",
                     [&](const service::http_request& req, service::responder r) {
                       id = req.param("id");
                       message = req.param("message");
                       slots.put(std::move(r));
                     });
  server.route("GET", "/kernels/fixed/{message}", [](const service::http_request& req) {
    return service::http_response::json(200, "\"" + std::string{req.param("message")} + "\"");
  });
  REQUIRE(server.start());
  std::string response;
  std::thread client{[&] { response = get(server.port(), "/kernels/calc/a%20b"); }};
  auto r = slots.take();
  REQUIRE(r.has_value());
  CHECK(id == "calc");
  CHECK(message == "a b");
  std::thread answerer{[&] {
    (*r)(service::http_response::json(200, R"({"n":1})"));
    (*r)(service::http_response::json(500, R"({"n":2})")); // ignored
  }};
  answerer.join();
  client.join();
  CHECK(status_of(response) == 200);
  CHECK(body_of(response) == R"({"n":1})");
  // A pattern with fewer parameters wins over one with more.
  auto fixed = get(server.port(), "/kernels/fixed/add");
  CHECK(status_of(fixed) == 200);
  CHECK(body_of(fixed) == R"("add")");
  CHECK(status_of(get(server.port(), "/kernels/calc")) == 404);
  server.stop();
}

TEST_CASE("a responder dropped without an answer answers 500 no_answer") {
  service::http_server server{{.port = 0}};
  server.route_async("POST", "/drop", [](const service::http_request&, service::responder) {});
  parked slots;
  server.route_async("POST", "/later", [&](const service::http_request&, service::responder r) {
    slots.put(std::move(r));
  });
  REQUIRE(server.start());
  auto r = request(server.port(), "POST /drop HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
                                  "Connection: close\r\n\r\n");
  CHECK(status_of(r) == 500);
  CHECK(contains(body_of(r), R"("error":"no_answer")"));
  // Dropped later, from another thread, after the request waited.
  std::string later;
  std::thread client{[&] {
    later = request(server.port(), "POST /later HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
                                   "Connection: close\r\n\r\n");
  }};
  {
    auto slot = slots.take();
    REQUIRE(slot.has_value());
    std::thread dropper{[s = std::move(*slot)]() mutable { auto gone = std::move(s); }};
    dropper.join();
  }
  client.join();
  CHECK(status_of(later) == 500);
  CHECK(contains(body_of(later), R"("error":"no_answer")"));
  server.stop();
}

TEST_CASE("an answer to a closed connection is dropped and the server serves on") {
  service::http_server server{{.port = 0}};
  parked slots;
  server.route_async("GET", "/wait", [&](const service::http_request&, service::responder r) {
    slots.put(std::move(r));
  });
  server.route("GET", "/now",
               [](const service::http_request&) { return service::http_response::json(200, "1"); });
  REQUIRE(server.start());
  std::optional<service::responder> slot;
  {
    connection c{server.port()};
    REQUIRE(c.send("GET /wait HTTP/1.1\r\nHost: x\r\n\r\n"));
    slot = slots.take();
    REQUIRE(slot.has_value());
    REQUIRE_FALSE(slot->answered());
  } // the client goes away
  (*slot)(service::http_response::json(200, "2"));
  CHECK(status_of(get(server.port(), "/now")) == 200);
  server.stop();
}

TEST_CASE("stop() answers a request that waits on an asynchronous route with 503 after the grace") {
  service::http_server server{{.port = 0, .shutdown_grace = 100ms}};
  parked slots;
  server.route_async("GET", "/wait", [&](const service::http_request&, service::responder r) {
    slots.put(std::move(r));
  });
  REQUIRE(server.start());
  connection c{server.port()};
  REQUIRE(c.send("GET /wait HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto slot = slots.take();
  REQUIRE(slot.has_value());
  server.stop();
  auto r = c.read_response();
  CHECK(status_of(r) == 503);
  CHECK(contains(body_of(r), R"("error":"shutting_down")"));
  // Answering after the stop does nothing.
  (*slot)(service::http_response::json(200, "late"));
}
