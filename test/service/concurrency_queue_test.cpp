// The concurrency limit's wait queue (layers/concurrency_limit.hpp), in
// process: FIFO waiters that hold no network thread, shedding at once past
// the queue, the queue timeout, and waiters whose client goes away.
// ringactor-server's limits.queue keys: route_layers_test.cpp.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <ringactor/service/http_server.hpp>
#include <ringactor/service/layers/concurrency_limit.hpp>

#include "middleware_helpers.hpp"

using namespace ringactor;
using namespace service_test;
using namespace std::chrono_literals;

namespace {

/// A layer before the limit that records each request's X-N header as it
/// arrives, so that a test knows a request reached the limit (and waits
/// there) before it sends the next.
class arrivals {
public:
  service::layer layer() {
    return [this](const service::http_request& req, service::responder answer,
                  service::next_layer next) {
      {
        std::lock_guard guard{mtx_};
        seen_.emplace_back(req.header("X-N"));
      }
      cv_.notify_all();
      next(std::move(answer));
    };
  }
  /// Waits (bounded) until `n` requests arrived.
  bool wait_for(std::size_t n, std::chrono::milliseconds limit = 10s) {
    std::unique_lock guard{mtx_};
    return cv_.wait_for(guard, limit, [&] { return seen_.size() >= n; });
  }

private:
  std::mutex mtx_;
  std::condition_variable cv_;
  std::vector<std::string> seen_;
};

/// The handler's side: each request's responder and X-N, in the order the
/// handler got them.
struct handled {
  parked slots;
  std::mutex mtx;
  std::vector<std::string> order; // guarded by mtx

  void put(const service::http_request& req, service::responder r) {
    {
      std::lock_guard guard{mtx};
      order.emplace_back(req.header("X-N"));
    }
    slots.put(std::move(r));
  }
  std::vector<std::string> seen() {
    std::lock_guard guard{mtx};
    return order;
  }
};

std::string work(int n) {
  return "GET /work HTTP/1.1\r\nHost: x\r\nX-N: " + std::to_string(n) + "\r\n\r\n";
}

/// A server whose one route parks its responders behind a concurrency
/// limit of `options`, with the arrivals layer before the limit.
struct queue_server {
  arrivals arrived;
  handled handler;
  service::http_server server{{.port = 0}};

  explicit queue_server(service::concurrency_limit_options options) {
    server.use(arrived.layer());
    server.use(service::concurrency_limit(options));
    server.route_async("GET", "/work",
                       [this](const service::http_request& req, service::responder r) {
                         handler.put(req, std::move(r));
                       });
    REQUIRE(server.start());
  }
};

} // namespace

TEST_SUITE_BEGIN("service");

TEST_CASE("with max_concurrent 1 and a queue of 2, three requests all succeed in arrival order and "
          "a fourth is shed at once") {
  queue_server s{{.max_in_flight = 1, .retry_after = 2s, .max_waiting = 2, .queue_timeout = 10s}};
  connection a{s.server.port()};
  connection b{s.server.port()};
  connection c{s.server.port()};
  REQUIRE(a.send(work(1)));
  auto first = s.handler.slots.take();
  REQUIRE(first.has_value());
  REQUIRE(b.send(work(2)));
  REQUIRE(s.arrived.wait_for(2));
  REQUIRE(c.send(work(3)));
  REQUIRE(s.arrived.wait_for(3));
  // The slot is taken and two wait: the fourth is answered at once, while
  // the three are still unanswered.
  auto t0 = std::chrono::steady_clock::now();
  auto shed = request(s.server.port(), work(4));
  CHECK(std::chrono::steady_clock::now() - t0 < 5s);
  CHECK(status_of(shed) == 503);
  CHECK(contains(body_of(shed), R"("error":"shedding")"));
  CHECK(header_of(shed, "Retry-After") == "2");
  // The waiters never reached the handler while the slot was held.
  CHECK(s.handler.seen() == std::vector<std::string>{"1"});
  (*first)(service::http_response::json(200, R"({"n":1})"));
  CHECK(body_of(a.read_response()) == R"({"n":1})");
  auto second = s.handler.slots.take();
  REQUIRE(second.has_value());
  CHECK(s.handler.seen() == std::vector<std::string>{"1", "2"});
  (*second)(service::http_response::json(200, R"({"n":2})"));
  CHECK(body_of(b.read_response()) == R"({"n":2})");
  auto third = s.handler.slots.take();
  REQUIRE(third.has_value());
  (*third)(service::http_response::json(200, R"({"n":3})"));
  CHECK(body_of(c.read_response()) == R"({"n":3})");
  CHECK(s.handler.seen() == std::vector<std::string>{"1", "2", "3"});
  // Every slot is free again: a request goes straight to the handler.
  connection d{s.server.port()};
  REQUIRE(d.send(work(5)));
  auto fifth = s.handler.slots.take();
  REQUIRE(fifth.has_value());
  (*fifth)(service::http_response::json(200, R"({"n":5})"));
  CHECK(status_of(d.read_response()) == 200);
  s.server.stop();
}

TEST_CASE("a request that waits past queue_timeout gets 503 shedding with Retry-After and never "
          "reaches the handler") {
  queue_server s{{.max_in_flight = 1, .retry_after = 3s, .max_waiting = 4, .queue_timeout = 100ms}};
  connection a{s.server.port()};
  REQUIRE(a.send(work(1)));
  auto first = s.handler.slots.take();
  REQUIRE(first.has_value());
  auto t0 = std::chrono::steady_clock::now();
  auto late = request(s.server.port(), work(2));
  auto waited = std::chrono::steady_clock::now() - t0;
  CHECK(status_of(late) == 503);
  CHECK(contains(body_of(late), R"("error":"shedding")"));
  CHECK(contains(body_of(late), "queue timeout (100ms)"));
  CHECK(header_of(late, "Retry-After") == "3");
  CHECK(waited >= 100ms);
  (*first)(service::http_response::json(200, R"({"n":1})"));
  CHECK(status_of(a.read_response()) == 200);
  CHECK(s.handler.seen() == std::vector<std::string>{"1"});
  s.server.stop();
}

TEST_CASE("a waiter whose client goes away leaves the queue: its place goes to the next request "
          "and the handler never sees it") {
  queue_server s{{.max_in_flight = 1, .retry_after = 1s, .max_waiting = 1, .queue_timeout = 30s}};
  connection a{s.server.port()};
  REQUIRE(a.send(work(1)));
  auto first = s.handler.slots.take();
  REQUIRE(first.has_value());
  {
    connection gone{s.server.port()};
    REQUIRE(gone.send(work(2)));
    REQUIRE(s.arrived.wait_for(2));
  } // closes: the server sees the disconnect and the waiter leaves
  // The one place in the queue frees once the server noticed; until then
  // a request is shed at once. Bounded: at most 200 tries.
  std::optional<connection> c;
  bool queued = false;
  for (int i = 0; i < 200 && !queued; ++i) {
    c.emplace(s.server.port(), 100ms);
    REQUIRE(c->send(work(3)));
    auto r = c->read_response();
    if (r.empty())
      queued = true; // no answer within 100 ms: it waits in the queue
    else
      CHECK(status_of(r) == 503);
  }
  REQUIRE(queued);
  (*first)(service::http_response::json(200, R"({"n":1})"));
  CHECK(status_of(a.read_response()) == 200);
  auto third = s.handler.slots.take();
  REQUIRE(third.has_value());
  (*third)(service::http_response::json(200, R"({"n":3})"));
  CHECK(s.handler.seen() == std::vector<std::string>{"1", "3"});
  s.server.stop();
}

TEST_CASE("under load through a queue every request gets one response: 200 or 503 shedding") {
  // 8 clients, 50 requests each, through 2 slots and 4 places; the handler
  // answers on another thread a little later (an actor's way).
  service::http_server server{{.port = 0, .threads = 2}};
  server.use(service::concurrency_limit(
    {.max_in_flight = 2, .retry_after = 1s, .max_waiting = 4, .queue_timeout = 2s}));
  std::mutex mtx;
  std::condition_variable cv;
  std::vector<service::responder> pending; // guarded by mtx
  bool stop = false;                       // guarded by mtx
  std::thread answerer{[&] {
    std::unique_lock guard{mtx};
    while (!stop) {
      cv.wait_for(guard, 1ms);
      auto batch = std::move(pending);
      pending.clear();
      guard.unlock();
      for (auto& r : batch)
        r(service::http_response::json(200, R"({"ok":true})"));
      guard.lock();
    }
  }};
  server.route_async("GET", "/work", [&](const service::http_request&, service::responder r) {
    std::lock_guard guard{mtx};
    pending.push_back(std::move(r));
    cv.notify_all();
  });
  REQUIRE(server.start());
  std::atomic<int> ok{0};
  std::atomic<int> shed{0};
  std::atomic<int> other{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 8; ++c)
    clients.emplace_back([&] {
      connection conn{server.port()};
      for (int i = 0; i < 50; ++i) {
        if (!conn.send(work(i))) {
          other.fetch_add(1);
          return;
        }
        auto r = conn.read_response();
        auto st = status_of(r);
        (st == 200                                       ? ok
         : st == 503 && contains(body_of(r), "shedding") ? shed
                                                         : other)
          .fetch_add(1);
      }
    });
  for (auto& t : clients)
    t.join();
  {
    std::lock_guard guard{mtx};
    stop = true;
  }
  answerer.join();
  server.stop();
  MESSAGE(ok.load(), " answered, ", shed.load(), " shed");
  CHECK(other.load() == 0);
  CHECK(ok.load() + shed.load() == 400);
  CHECK(ok.load() > 0);
}

TEST_CASE("a queue needs a queue_timeout of at least 1 ms") {
  CHECK_THROWS_AS(
    service::concurrency_limit({.max_in_flight = 1, .max_waiting = 1, .queue_timeout = 0ms}),
    std::invalid_argument);
}

TEST_SUITE_END();
