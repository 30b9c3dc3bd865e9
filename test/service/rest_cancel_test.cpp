// A request whose HTTP caller has gone (timeout_ms, the request-timeout
// layer, a disconnect) is cancelled in the pool: a queued request leaves the
// queue at once, the late reply of one a worker holds is dropped, and the
// pool's counts (GET /kernels/{id}) say so.
#include <doctest/doctest.h>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "server_process.hpp"

using namespace service_test;
using namespace std::chrono_literals;

namespace {

// A 10 s queue timeout: a request that leaves the queue within the tests'
// bounds left it because it was cancelled, not because it timed out.
constexpr std::string_view cancel_pools = R"(
[pools.slow]
actor = "sleeper"
size = 1
worker_timeout = "10s"

[pools.idle]
actor = "no_worker"
queue_timeout = "10s"

[pools.limited]
actor = "sleeper"
size = 1
worker_timeout = "10s"
queue_timeout = "10s"
max_in_flight_per_worker = 1
)";

class cancel_server {
public:
  explicit cancel_server(std::vector<std::string> extra = {})
    : path_(std::filesystem::temp_directory_path()
            / ("rest_cancel_" + std::to_string(::getpid()) + ".toml")),
      proc_(make(path_, std::move(extra))) {}
  ~cancel_server() { std::filesystem::remove(path_); }

  std::uint16_t port() const { return proc_->port(); }
  server_process& proc() { return *proc_; }

  /// The JSON number after `"key":` in GET /kernels/{id}, or -1.
  long stat(std::string_view id, std::string_view key) const {
    auto body = std::string{body_of(get(port(), "/kernels/" + std::string{id}))};
    auto at = body.find("\"" + std::string{key} + "\":");
    if (at == std::string::npos)
      return -1;
    return std::strtol(body.c_str() + at + key.size() + 3, nullptr, 10);
  }

  /// The JSON number after `"key":` in the first worker of GET
  /// /kernels/{id} (what the worker itself did), or -1.
  long worker_stat(std::string_view id, std::string_view key) const {
    auto body = std::string{body_of(get(port(), "/kernels/" + std::string{id}))};
    auto workers = body.find("\"workers\":[");
    if (workers == std::string::npos)
      return -1;
    auto at = body.find("\"" + std::string{key} + "\":", workers);
    if (at == std::string::npos)
      return -1;
    return std::strtol(body.c_str() + at + key.size() + 3, nullptr, 10);
  }

  /// Polls stat(id, key) until it is `n` (at most `limit`); the last value.
  /// The default limit stays well below the REST routes' own 5 s timeout,
  /// which cancels too: a cancellation seen within it came from the caller
  /// going away.
  long wait_stat(std::string_view id, std::string_view key, long n,
                 std::chrono::milliseconds limit = 2s) const {
    long value = -1;
    auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      value = stat(id, key);
      if (value == n)
        break;
      std::this_thread::sleep_for(5ms);
    }
    return value;
  }

private:
  static std::unique_ptr<server_process> make(const std::filesystem::path& path,
                                              std::vector<std::string> extra) {
    std::ofstream{path} << cancel_pools;
    extra.insert(extra.begin(), {"--config", path.string()});
    return std::make_unique<server_process>(RINGACTOR_REST_TEST_SERVER, std::move(extra));
  }

  std::filesystem::path path_;
  std::unique_ptr<server_process> proc_;
};

std::string post_request(std::string_view path, std::string_view body, bool close = true) {
  return "POST " + std::string{path}
         + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size())
         + (close ? "\r\nConnection: close" : "") + "\r\n\r\n" + std::string{body};
}

} // namespace

TEST_SUITE_BEGIN("service");

TEST_CASE("queued requests past a 1 ms timeout_ms are 504 and leave the pool's queue at once") {
  cancel_server s;
  REQUIRE_MESSAGE(s.port() != 0, s.proc().output());
  constexpr long n = 4;
  for (long i = 0; i < n; ++i) {
    auto r = request(s.port(), post_request("/execute", R"({"kernel_id":"idle",)"
                                                        R"("message":"rest_test.nap",)"
                                                        R"("input":{"ms":1},"timeout_ms":1})"));
    INFO(r);
    CHECK(status_of(r) == 504);
  }
  // Cancelled, not timed out: the queue timeout is 10 s.
  CHECK(s.wait_stat("idle", "cancelled", n) == n);
  CHECK(s.wait_stat("idle", "queued", 0) == 0);
  CHECK(s.stat("idle", "unavailable") == 0);
  // The metric mirrors the count.
  auto metrics = get(s.port(), "/metrics");
  INFO(metrics);
  CHECK(metrics.find("ringactor_pool_cancelled_total{pool=\"idle\"} 4\n") != std::string::npos);
  CHECK_MESSAGE(s.proc().stop() == 0, s.proc().output());
}

TEST_CASE("requests to a busy slow worker past a 1 ms timeout_ms are 504 and cancelled in the "
          "pool, whose in-flight count returns to 0") {
  cancel_server s;
  REQUIRE_MESSAGE(s.port() != 0, s.proc().output());
  constexpr long n = 3;
  // All at once, on their own connections: the worker holds one, the
  // others wait in its mailbox.
  std::vector<std::unique_ptr<connection>> clients;
  for (long i = 0; i < n; ++i) {
    clients.push_back(std::make_unique<connection>(s.port()));
    REQUIRE(clients.back()->send(post_request("/execute",
                                              R"({"kernel_id":"slow",)"
                                              R"("message":"rest_test.nap",)"
                                              R"("input":{"ms":150},"timeout_ms":1})")));
  }
  for (auto& c : clients) {
    auto r = c->read_response();
    INFO(r);
    CHECK(status_of(r) == 504);
  }
  CHECK(s.wait_stat("slow", "cancelled", n) == n);
  // The worker cannot be stopped mid-message: it answers each (150 ms
  // apiece), the pool drops the replies, and nothing stays in flight.
  CHECK(s.wait_stat("slow", "in_flight", 0, 5s) == 0);
  CHECK(s.stat("slow", "served") == 0);
  // The pool serves on.
  auto r = request(s.port(), post_request("/kernels/slow/rest_test.nap", R"({"ms":1})"));
  CHECK(status_of(r) == 200);
  CHECK(s.stat("slow", "served") == 1);
  CHECK_MESSAGE(s.proc().stop() == 0, s.proc().output());
}

TEST_CASE("a client that disconnects while its request is queued cancels it in the pool") {
  cancel_server s;
  REQUIRE_MESSAGE(s.port() != 0, s.proc().output());
  {
    connection c{s.port()};
    REQUIRE(c.send(post_request("/kernels/idle/rest_test.nap", R"({"ms":1})", false)));
    REQUIRE(s.wait_stat("idle", "queued", 1) == 1);
    CHECK(s.stat("idle", "cancelled") == 0);
  } // closes the connection
  CHECK(s.wait_stat("idle", "queued", 0) == 0);
  CHECK(s.stat("idle", "cancelled") == 1);
  CHECK(s.stat("idle", "unavailable") == 0);
  CHECK_MESSAGE(s.proc().stop() == 0, s.proc().output());
}

TEST_CASE("the request-timeout layer's 504 cancels the queued request in the pool") {
  cancel_server s{{"--http.request_timeout=50ms"}};
  REQUIRE_MESSAGE(s.port() != 0, s.proc().output());
  auto r = request(s.port(), post_request("/kernels/idle/rest_test.nap", R"({"ms":1})"));
  INFO(r);
  CHECK(status_of(r) == 504);
  CHECK(s.wait_stat("idle", "cancelled", 1) == 1);
  CHECK(s.wait_stat("idle", "queued", 0) == 0);
  CHECK(s.stat("idle", "unavailable") == 0);
  CHECK_MESSAGE(s.proc().stop() == 0, s.proc().output());
}

TEST_CASE("with max_in_flight_per_worker = 1, a request that times out while queued behind "
          "another never reaches the busy worker") {
  cancel_server s;
  REQUIRE_MESSAGE(s.port() != 0, s.proc().output());
  CHECK(s.stat("limited", "max_in_flight_per_worker") == 1);
  CHECK(s.stat("idle", "max_in_flight_per_worker") == 0); // unlimited: 0, not absent (-1)
  // The first holds the one worker for 300 ms.
  connection first{s.port()};
  REQUIRE(first.send(post_request("/execute", R"({"kernel_id":"limited",)"
                                              R"("message":"rest_test.nap",)"
                                              R"("input":{"ms":300},"timeout_ms":5000})")));
  REQUIRE(s.wait_stat("limited", "in_flight", 1) == 1);
  // The second waits in the pool, not in the worker's mailbox, and its
  // caller gives up after 20 ms.
  auto r = request(s.port(), post_request("/execute", R"({"kernel_id":"limited",)"
                                                      R"("message":"rest_test.nap",)"
                                                      R"("input":{"ms":1},"timeout_ms":20})"));
  INFO(r);
  CHECK(status_of(r) == 504);
  CHECK(s.wait_stat("limited", "cancelled", 1) == 1);
  CHECK(s.stat("limited", "queued") == 0);
  CHECK(s.stat("limited", "in_flight") == 1); // only the first
  auto answer = first.read_response();
  INFO(answer);
  CHECK(status_of(answer) == 200);
  // The worker handled the first request only: the cancelled one never ran
  // (a worker counts every request it answers, dropped replies included).
  CHECK(s.wait_stat("limited", "in_flight", 0) == 0);
  CHECK(s.worker_stat("limited", "served") == 1);
  CHECK(s.stat("limited", "served") == 1);
  CHECK(s.stat("limited", "unavailable") == 0);
  CHECK_MESSAGE(s.proc().stop() == 0, s.proc().output());
}
