// Per-route layers: under_prefix (layers/route_prefix.hpp) in process, and
// the [routes.NAME] tables and limits.queue of a configuration in a real
// server process (rest_test_server, whose "sleeper" pool is the slow
// kernel).
#include <doctest/doctest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <ringactor/service/http_server.hpp>
#include <ringactor/service/layers/route_prefix.hpp>

#include "middleware_helpers.hpp"

using namespace ringactor;
using namespace service_test;
using namespace std::chrono_literals;

namespace {

/// A configuration file, removed with the object.
class layers_config_file {
public:
  explicit layers_config_file(std::string_view text)
    : path_(std::filesystem::temp_directory_path()
            / ("route_layers_test_" + std::to_string(::getpid()) + "_" + std::to_string(next_++)
               + ".toml")) {
    std::ofstream{path_} << text;
  }
  ~layers_config_file() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }

private:
  static inline int next_ = 0;
  std::filesystem::path path_;
};

// Four scheduler workers: a sleeping worker blocks one of them.
constexpr std::string_view sleepers = R"(
[system]
workers = 4

[pools.slow]
actor = "sleeper"
size = 2
dispatch = "least_loaded"   # a second request goes to the idle worker
worker_timeout = "10s"

[pools.slower]
actor = "sleeper"
size = 1
worker_timeout = "10s"
)";

std::string nap_request(std::string_view path, int ms) {
  auto body = R"({"ms":)" + std::to_string(ms) + "}";
  return "POST " + std::string{path} + " HTTP/1.1\r\nHost: x\r\nContent-Length: "
         + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

std::string nap(std::uint16_t port, std::string_view path, int ms) {
  return request(port, nap_request(path, ms));
}

std::string execute_nap(std::uint16_t port, std::string_view kernel, int ms) {
  auto body = R"({"kernel_id":")" + std::string{kernel}
              + R"(","message":"rest_test.nap","input":{"ms":)" + std::to_string(ms) + "}}";
  return request(port, "POST /execute HTTP/1.1\r\nHost: x\r\nContent-Length: "
                         + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
}

/// Polls pool `id`'s in_flight count until it is `n` (at most 10 s).
long wait_in_flight(std::uint16_t port, std::string_view id, long n) {
  long in_flight = -1;
  auto until = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < until) {
    in_flight = number_after(body_of(get(port, "/kernels/" + std::string{id})), "in_flight");
    if (in_flight == n)
      break;
    std::this_thread::sleep_for(5ms);
  }
  return in_flight;
}

/// A server that does not start: its exit status and output (bounded).
std::string refused(std::vector<std::string> args) {
  server_process server{RINGACTOR_REST_TEST_SERVER, std::move(args)};
  CHECK(server.port() == 0);
  auto status = server.wait(20s);
  REQUIRE(status.has_value());
  CHECK(*status == 2);
  return server.output();
}

} // namespace

TEST_SUITE_BEGIN("service");

TEST_CASE("a route prefix covers its path and the paths under it, not a longer name") {
  CHECK(service::prefix_covers("/kernels/slow", "/kernels/slow"));
  CHECK(service::prefix_covers("/kernels/slow", "/kernels/slow/rest_test.nap"));
  CHECK_FALSE(service::prefix_covers("/kernels/slow", "/kernels/slower"));
  CHECK_FALSE(service::prefix_covers("/kernels/slow", "/kernels"));
  CHECK(service::prefix_covers("/kernels/", "/kernels/x"));
  CHECK_FALSE(service::prefix_covers("/kernels/", "/kernels"));
  CHECK(service::prefix_covers("/", "/anything"));
  CHECK_THROWS_AS(service::under_prefix("kernels", {}), std::invalid_argument);
}

TEST_CASE("under_prefix runs its layers after the server's, on the routes under the prefix only") {
  service::http_server server{{.port = 0}};
  auto stamp = [](std::string name) -> service::layer {
    return
      [name](const service::http_request&, service::responder answer, service::next_layer next) {
        next(service::wrap(std::move(answer), [name](service::http_response& res) {
          res.headers.emplace_back("X-Layer", name);
        }));
      };
  };
  server.use(stamp("server"));
  server.use(service::under_prefix("/a", {stamp("a1"), stamp("a2")}));
  server.route("GET", "/a/x", ok_json);
  server.route("GET", "/ab", ok_json);
  REQUIRE(server.start());
  auto under = request(server.port(), raw_request("GET", "/a/x"));
  CHECK(status_of(under) == 200);
  // Innermost first on the way back: a2, a1, then the server's.
  auto at_a2 = under.find("X-Layer: a2");
  auto at_a1 = under.find("X-Layer: a1");
  auto at_server = under.find("X-Layer: server");
  CHECK(at_a2 < at_a1);
  CHECK(at_a1 < at_server);
  CHECK(at_server != std::string::npos);
  auto beside = request(server.port(), raw_request("GET", "/ab"));
  CHECK(status_of(beside) == 200);
  CHECK_FALSE(contains(beside, "X-Layer: a1"));
  CHECK(contains(beside, "X-Layer: server"));
  server.stop();
}

TEST_CASE("a [routes.NAME] request_timeout answers 504 on its prefix and not elsewhere") {
  layers_config_file cfg{std::string{sleepers} + R"(
[routes.slow]
prefix = "/kernels/slow"
request_timeout = "200ms"
)"};
  server_process server{RINGACTOR_REST_TEST_SERVER, {"--config", cfg.path()}};
  REQUIRE_MESSAGE(server.port() != 0, server.output());
  auto port = server.port();
  auto timed_out = nap(port, "/kernels/slow/rest_test.nap", 1000);
  CHECK(status_of(timed_out) == 504);
  CHECK(contains(body_of(timed_out), R"("error":"timeout")"));
  CHECK(contains(body_of(timed_out), "(200ms)"));
  // The same pool through /execute, and a pool whose name only starts with
  // the prefix's: no route timeout there.
  CHECK(status_of(execute_nap(port, "slow", 400)) == 200);
  CHECK(status_of(nap(port, "/kernels/slower/rest_test.nap", 400)) == 200);
  CHECK(status_of(nap(port, "/kernels/slow/rest_test.nap", 1)) == 200);
  CHECK_MESSAGE(server.stop() == 0, server.output());
}

TEST_CASE("a [routes.NAME] max_concurrent sheds on its prefix only") {
  layers_config_file cfg{std::string{sleepers} + R"(
[limits]
retry_after = "2s"

[routes.slow]
prefix = "/kernels/slow/"
max_concurrent = 1
)"};
  server_process server{RINGACTOR_REST_TEST_SERVER, {"--config", cfg.path()}};
  REQUIRE_MESSAGE(server.port() != 0, server.output());
  auto port = server.port();
  connection held{port};
  REQUIRE(held.send(nap_request("/kernels/slow/rest_test.nap", 3000)));
  // GET /kernels/slow is not under "/kernels/slow/": it reads the pool.
  REQUIRE(wait_in_flight(port, "slow", 1) == 1);
  auto shed = nap(port, "/kernels/slow/rest_test.nap", 1);
  CHECK(status_of(shed) == 503);
  CHECK(contains(body_of(shed), R"("error":"shedding")"));
  CHECK(header_of(shed, "Retry-After") == "2");
  // The same pool's second worker through /execute, and another pool: not
  // limited by the route.
  CHECK(status_of(execute_nap(port, "slow", 1)) == 200);
  CHECK(status_of(nap(port, "/kernels/slower/rest_test.nap", 1)) == 200);
  // The route's slot is still held (so the two above were not merely
  // admitted after it freed).
  CHECK(status_of(nap(port, "/kernels/slow/rest_test.nap", 1)) == 503);
  CHECK(status_of(held.read_response()) == 200);
  CHECK(status_of(nap(port, "/kernels/slow/rest_test.nap", 1)) == 200);
  CHECK_MESSAGE(server.stop() == 0, server.output());
}

TEST_CASE("a [routes.NAME] rate limit answers 429 on its prefix only") {
  layers_config_file cfg{std::string{sleepers} + R"(
[routes.slow]
prefix = "/kernels/slow/"
rate = 0.1
burst = 2.0
)"};
  server_process server{RINGACTOR_REST_TEST_SERVER, {"--config", cfg.path()}};
  REQUIRE_MESSAGE(server.port() != 0, server.output());
  auto port = server.port();
  CHECK(status_of(nap(port, "/kernels/slow/rest_test.nap", 1)) == 200);
  CHECK(status_of(nap(port, "/kernels/slow/rest_test.nap", 1)) == 200);
  auto limited = nap(port, "/kernels/slow/rest_test.nap", 1);
  CHECK(status_of(limited) == 429);
  CHECK(contains(body_of(limited), R"("error":"rate_limited")"));
  CHECK(header_of(limited, "Retry-After").has_value());
  // Another pool's path, and the same pool through /execute: no limit.
  for (int i = 0; i < 3; ++i) {
    CHECK(status_of(nap(port, "/kernels/slower/rest_test.nap", 1)) == 200);
    CHECK(status_of(execute_nap(port, "slow", 1)) == 200);
  }
  CHECK_MESSAGE(server.stop() == 0, server.output());
}

TEST_CASE("a [routes.NAME] queue lets a request wait for the slot, and sheds it past "
          "queue_timeout") {
  layers_config_file cfg{std::string{sleepers} + R"(
[routes.slow]
prefix = "/kernels/slow/"
max_concurrent = 1
queue = 1
queue_timeout = "5s"

[routes.slower]
prefix = "/kernels/slower/"
max_concurrent = 1
queue = 1
queue_timeout = "100ms"
)"};
  server_process server{RINGACTOR_REST_TEST_SERVER, {"--config", cfg.path()}};
  REQUIRE_MESSAGE(server.port() != 0, server.output());
  auto port = server.port();
  {
    connection held{port};
    REQUIRE(held.send(nap_request("/kernels/slow/rest_test.nap", 2000)));
    REQUIRE(wait_in_flight(port, "slow", 1) == 1);
    // Without the queue this is shed at once; with it, it waits for the slot.
    auto waited = nap(port, "/kernels/slow/rest_test.nap", 1);
    CHECK(status_of(waited) == 200);
    CHECK(status_of(held.read_response()) == 200);
  }
  connection held{port};
  REQUIRE(held.send(nap_request("/kernels/slower/rest_test.nap", 2000)));
  REQUIRE(wait_in_flight(port, "slower", 1) == 1);
  auto late = nap(port, "/kernels/slower/rest_test.nap", 1);
  CHECK(status_of(late) == 503);
  CHECK(contains(body_of(late), "queue timeout (100ms)"));
  CHECK(status_of(held.read_response()) == 200);
  CHECK_MESSAGE(server.stop() == 0, server.output());
}

TEST_CASE("limits.queue lets a request wait for the server's one slot instead of being shed") {
  layers_config_file cfg{std::string{sleepers} + R"(
[limits]
max_concurrent = 1
queue = 2
queue_timeout = "10s"
)"};
  server_process server{RINGACTOR_REST_TEST_SERVER, {"--config", cfg.path()}};
  REQUIRE_MESSAGE(server.port() != 0, server.output());
  auto port = server.port();
  // Two slow requests at once through one slot: the second waits (with
  // limits.queue = 0 one of them is 503 shedding).
  connection a{port};
  connection b{port};
  REQUIRE(a.send(nap_request("/kernels/slow/rest_test.nap", 500)));
  REQUIRE(b.send(nap_request("/kernels/slow/rest_test.nap", 500)));
  auto ra = a.read_response();
  auto rb = b.read_response();
  CHECK_MESSAGE(status_of(ra) == 200, ra);
  CHECK_MESSAGE(status_of(rb) == 200, rb);
  CHECK_MESSAGE(server.stop() == 0, server.output());
}

TEST_CASE("a bad [routes.NAME] table stops the server naming the key") {
  layers_config_file misspelt{"[routes.slow]\nprefix = \"/kernels/slow\"\nmax_concurent = 4\n"};
  auto out = refused({"--config", misspelt.path()});
  CHECK_MESSAGE(contains(out, "routes.slow.max_concurent: unknown key; did you mean "
                              "\"routes.slow.max_concurrent\""),
                out);
  layers_config_file no_prefix{"[routes.slow]\nmax_concurrent = 4\n"};
  out = refused({"--config", no_prefix.path()});
  CHECK_MESSAGE(contains(out, "routes.slow.prefix: missing"), out);
  out = refused({"--routes.slow.prefix=kernels/slow", "--routes.slow.max_concurrent=1"});
  CHECK_MESSAGE(contains(out, "routes.slow.prefix: expected a path that starts with '/'"), out);
  layers_config_file wrong_type{
    "[routes.slow]\nprefix = \"/kernels/slow\"\nmax_concurrent = \"four\"\n"};
  out = refused({"--config", wrong_type.path()});
  CHECK_MESSAGE(contains(out, "routes.slow.max_concurrent"), out);
  layers_config_file no_limit{"[routes.slow]\nprefix = \"/kernels/slow\"\n"};
  out = refused({"--config", no_limit.path()});
  CHECK_MESSAGE(contains(out, "routes.slow: sets no limit"), out);
  out = refused({"--limits.max_concurrent=1", "--limits.queue=-1"});
  CHECK_MESSAGE(contains(out, "limits.queue"), out);
}

TEST_SUITE_END();
