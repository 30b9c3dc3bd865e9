// The REST routes (service/rest_routes.hpp) against real server processes:
// rest_test_server (the demo's adder plus slow and refusing test services)
// and ringactor-server with service/server.example.toml.
#include <doctest/doctest.h>

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <thread>

#include "server_process.hpp"
#include "middleware_helpers.hpp"

using namespace service_test;
using namespace std::chrono_literals;

namespace {

/// A configuration file for the test server, removed with the object.
class config_file {
public:
  explicit config_file(std::string_view name, std::string_view text)
    : path_(std::filesystem::temp_directory_path()
            / (std::string{name} + "_" + std::to_string(::getpid()) + ".toml")) {
    std::ofstream out{path_};
    out << text;
  }
  ~config_file() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }

private:
  std::filesystem::path path_;
};

// The kernels on the CPU backend, GPU or not, so that the figures below
// hold on every machine.
constexpr std::string_view pools = R"(
[kernel]
backend = "cpu"

[pools.adder]
kernel = "adder"
size = 2

[pools.adder_host]
actor = "adder"
size = 1

[pools.slow]
actor = "sleeper"
size = 1
worker_timeout = "10s"

[pools.empty]
actor = "no_worker"
queue_timeout = "100ms"

[pools.refuser]
actor = "refuser"
size = 1
)";

std::string post(std::uint16_t port, std::string_view path, std::string_view body) {
  return request(port, "POST " + std::string{path}
                         + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size())
                         + "\r\nConnection: close\r\n\r\n" + std::string{body});
}

struct rest_server {
  config_file cfg;
  server_process proc;
  explicit rest_server(std::vector<std::string> extra = {})
    : cfg("rest_test", pools), proc(RINGACTOR_REST_TEST_SERVER, with_config(cfg, extra)) {}
  static std::vector<std::string> with_config(const config_file& cfg,
                                              std::vector<std::string> extra) {
    extra.insert(extra.begin(), {"--config", cfg.path()});
    return extra;
  }
  std::uint16_t port() const { return proc.port(); }
};

/// Polls the "slow" pool's in_flight count until it is `n` (at most 5 s);
/// returns the last count seen.
long wait_in_flight(const rest_server& s, long n) {
  long in_flight = -1;
  auto until = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < until) {
    in_flight = number_after(body_of(get(s.port(), "/kernels/slow")), "in_flight");
    if (in_flight == n)
      break;
    std::this_thread::sleep_for(5ms);
  }
  return in_flight;
}

} // namespace

TEST_SUITE_BEGIN("service");

TEST_CASE("GET /kernels lists every service with its messages, their fields and pool statistics") {
  rest_server s;
  REQUIRE_MESSAGE(s.port() != 0, s.proc.output());
  auto r = get(s.port(), "/kernels");
  INFO(r);
  REQUIRE(status_of(r) == 200);
  auto body = body_of(r);
  for (auto id : {"adder", "adder_host", "slow", "empty", "refuser"})
    CHECK(contains(body, "{\"id\":\"" + std::string{id} + "\""));
  CHECK(contains(body, R"("backend":"cpu")"));
  CHECK(contains(body, R"({"name":"adder.add","output_type":"i32","input":{"name":"adder.add",)"
                       R"("fields":[{"name":"a","type":"i32"},{"name":"b","type":"i32"}])"));
  CHECK(contains(body, R"({"name":"adder.accumulate","output_type":"i64")"));
  CHECK(contains(body, R"("pool":{"size":2,"live_workers":2,"in_flight":0)"));
  CHECK(contains(body, R"("pool":{"size":0,"live_workers":0)"));
  CHECK_MESSAGE(s.proc.stop() == 0, s.proc.output());
}

TEST_CASE("GET /kernels/{id} shows one service with each worker; an unknown id is 404") {
  rest_server s;
  REQUIRE_MESSAGE(s.port() != 0, s.proc.output());
  auto r = get(s.port(), "/kernels/adder");
  INFO(r);
  REQUIRE(status_of(r) == 200);
  CHECK(body_of(r).starts_with(R"({"id":"adder","backend":"cpu")"));
  CHECK(contains(body_of(r), R"("workers":[{"name":)"));
  CHECK(contains(body_of(r), R"("running":true)"));
  r = get(s.port(), "/kernels/nope");
  CHECK(status_of(r) == 404);
  CHECK(contains(body_of(r), R"("error":"unknown_kernel")"));
  CHECK_MESSAGE(s.proc.stop() == 0, s.proc.output());
}

TEST_CASE("POST /execute and POST /kernels/{id}/{message} answer the kernel's output with "
          "metadata") {
  rest_server s;
  REQUIRE_MESSAGE(s.port() != 0, s.proc.output());
  auto r = post(s.port(), "/execute",
                R"({"kernel_id":"adder","message":"adder.add","input":{"a":1,"b":2},)"
                R"("timeout_ms":2000})");
  INFO(r);
  REQUIRE(status_of(r) == 200);
  CHECK(body_of(r).starts_with(R"({"request_id":")"));
  CHECK(contains(body_of(r), R"("kernel_id":"adder","output":3,"metadata":{"duration_us":)"));
  CHECK(contains(body_of(r), R"("backend":"cpu")"));
  r = post(s.port(), "/kernels/adder/adder.add", R"({"a":40,"b":2})");
  CHECK(status_of(r) == 200);
  CHECK(contains(body_of(r), R"("output":42,)"));
  // A host pool of the same interface; its state persists across requests.
  r = post(s.port(), "/kernels/adder_host/adder.accumulate", R"({"value":5})");
  CHECK(contains(body_of(r), R"("output":5,)"));
  r = post(s.port(), "/kernels/adder_host/adder.accumulate", R"({"value":7})");
  CHECK(contains(body_of(r), R"("output":12,)"));
  CHECK(contains(body_of(r), R"("backend":"host")"));
  CHECK_MESSAGE(s.proc.stop() == 0, s.proc.output());
}

TEST_CASE("an execute reply names the pool's worker that answered, as GET /kernels/{id} lists it") {
  rest_server s;
  REQUIRE_MESSAGE(s.port() != 0, s.proc.output());
  auto listing = get(s.port(), "/kernels/adder");
  std::string listed{body_of(listing)};
  std::set<std::string> actors;
  std::regex actor_re{R"re("actor":([0-9]+),"running":true)re"};
  for (std::sregex_iterator i{listed.begin(), listed.end(), actor_re}, end; i != end; ++i)
    actors.insert((*i)[1].str());
  INFO(listed);
  REQUIRE(actors.size() == 2); // the pool's two workers, each its own actor
  std::set<std::string> answered;
  std::regex worker_re{R"re("worker":([0-9]+))re"};
  for (int i = 0; i < 20; ++i) {
    auto r = post(s.port(), "/kernels/adder/adder.add", R"({"a":1,"b":2})");
    REQUIRE(status_of(r) == 200);
    std::string body{body_of(r)};
    std::smatch m;
    REQUIRE_MESSAGE(std::regex_search(body, m, worker_re), body);
    answered.insert(m[1].str());
  }
  for (auto& w : answered)
    CHECK_MESSAGE(actors.count(w) == 1, "worker " << w << " is not listed: " << listed);
  CHECK_MESSAGE(s.proc.stop() == 0, s.proc.output());
}

TEST_CASE("bad input is 400 with the field path; an unknown kernel or message is 404") {
  rest_server s;
  REQUIRE_MESSAGE(s.port() != 0, s.proc.output());
  auto check = [&](std::string_view path, std::string_view body, unsigned status,
                   std::string_view part) {
    auto r = post(s.port(), path, body);
    INFO(path << " " << body << " -> " << r);
    CHECK(status_of(r) == status);
    CHECK(contains(body_of(r), part));
  };
  check("/kernels/adder/adder.add", R"({"a":1,)", 400, R"("error":"invalid_input")");
  check("/kernels/adder/adder.add", R"({"a":"one","b":2})", 400, R"("field":"add.a")");
  check("/kernels/adder/adder.add", R"({"a":1})", 400, R"("field":"add.b")");
  check("/kernels/adder/adder.add", R"({"a":1,"b":2,"c":3})", 400, R"("error":"invalid_input")");
  check("/kernels/adder/adder.add", R"({"a":4294967296,"b":2})", 400, R"("field":"add.a")");
  check("/execute", R"({"kernel_id":"adder","message":"adder.add","input":{"a":1,"b":[]}})", 400,
        R"("field":"add.b")");
  check("/execute", R"({"kernel_id":"adder","message":"adder.add"})", 400, R"("field":"input")");
  check("/execute", R"({"kernel_id":7,"message":"adder.add","input":{}})", 400,
        R"("field":"kernel_id")");
  check("/execute", R"({"kernel_id":"adder","message":"adder.add","input":{},"x":1})", 400,
        R"("field":"x")");
  check("/execute", R"({"kernel_id":"adder","message":"adder.add","input":{},"timeout_ms":0})", 400,
        R"("field":"timeout_ms")");
  check("/execute", "[1,2]", 400, R"("error":"invalid_input")");
  check("/kernels/nope/adder.add", R"({"a":1,"b":2})", 404, R"("error":"unknown_kernel")");
  check("/execute", R"({"kernel_id":"nope","message":"adder.add","input":{}})", 404,
        R"("error":"unknown_kernel")");
  check("/kernels/adder/adder.sub", R"({"a":1,"b":2})", 404, R"("error":"unknown_message")");
  // The server still serves.
  check("/kernels/adder/adder.add", R"({"a":1,"b":2})", 200, R"("output":3,)");
  CHECK_MESSAGE(s.proc.stop() == 0, s.proc.output());
}

TEST_CASE("a request past its timeout_ms is 504 and the pool's in-flight count returns to 0") {
  rest_server s;
  REQUIRE_MESSAGE(s.port() != 0, s.proc.output());
  auto r = post(s.port(), "/execute",
                R"({"kernel_id":"slow","message":"rest_test.nap","input":{"ms":300},)"
                R"("timeout_ms":20})");
  INFO(r);
  CHECK(status_of(r) == 504);
  CHECK(contains(body_of(r), R"("error":"timeout")"));
  // The worker finishes the request it holds; then the pool counts 0 in
  // flight (bounded wait).
  CHECK(wait_in_flight(s, 0) == 0);
  // The pool serves on.
  r = post(s.port(), "/kernels/slow/rest_test.nap", R"({"ms":1})");
  CHECK(status_of(r) == 200);
  CHECK_MESSAGE(s.proc.stop() == 0, s.proc.output());
}

TEST_CASE("a pool without live workers is 503 pool_unavailable; an actor's error is 422") {
  rest_server s;
  REQUIRE_MESSAGE(s.port() != 0, s.proc.output());
  auto r = post(s.port(), "/kernels/empty/rest_test.nap", R"({"ms":1})");
  INFO(r);
  CHECK(status_of(r) == 503);
  CHECK(contains(body_of(r), R"("error":"pool_unavailable")"));
  r = post(s.port(), "/kernels/refuser/rest_test.nap", R"({"ms":1})");
  CHECK(status_of(r) == 422);
  CHECK(contains(body_of(r), R"("error":"rejected")"));
  CHECK(contains(body_of(r), "the refuser refuses"));
  CHECK_MESSAGE(s.proc.stop() == 0, s.proc.output());
}

TEST_CASE("SIGTERM answers a request that waits on an actor, or 503 past shutdown_grace") {
  std::string_view nap = "POST /kernels/slow/rest_test.nap HTTP/1.1\r\nHost: x\r\n"
                         "Content-Length: 10\r\n\r\n{\"ms\":300}";
  {
    rest_server s;
    REQUIRE_MESSAGE(s.port() != 0, s.proc.output());
    connection c{s.port()};
    REQUIRE(c.send(nap));
    // The request reached the worker once the pool counts it in flight.
    wait_in_flight(s, 1);
    s.proc.signal(SIGTERM);
    auto r = c.read_response();
    INFO(r);
    CHECK(status_of(r) == 200);
    CHECK(contains(body_of(r), R"("output":300,)"));
    CHECK(contains(r, "Connection: close"));
    auto status = s.proc.wait(20s);
    REQUIRE(status.has_value());
    CHECK_MESSAGE(*status == 0, s.proc.output());
  }
  {
    rest_server s{{"--http.shutdown_grace=50ms"}};
    REQUIRE_MESSAGE(s.port() != 0, s.proc.output());
    connection c{s.port()};
    REQUIRE(c.send(nap));
    wait_in_flight(s, 1);
    s.proc.signal(SIGTERM);
    auto r = c.read_response();
    INFO(r);
    CHECK(status_of(r) == 503);
    CHECK(contains(body_of(r), R"("error":"shutting_down")"));
    auto status = s.proc.wait(20s);
    REQUIRE(status.has_value());
    CHECK_MESSAGE(*status == 0, s.proc.output());
  }
}

TEST_CASE("ringactor-server serves the example configuration's kernel pools") {
  server_process server{{"--config", RINGACTOR_SOURCE_ROOT "/service/server.example.toml"}};
  REQUIRE_MESSAGE(server.port() != 0, server.output());
  auto r = get(server.port(), "/kernels");
  INFO(r);
  CHECK(status_of(r) == 200);
  // kernel.backend is automatic there: the GPU where ringactor-server has
  // the CUDA backend and a device, else the CPU backend.
  CHECK((contains(body_of(r), R"({"id":"adder","backend":"cpu","device":"host threads)")
         || contains(body_of(r), R"({"id":"adder","backend":"cuda","device":"cuda:0")")));
  CHECK(contains(body_of(r), R"({"id":"adder_host","backend":"host")"));
  r = post(server.port(), "/kernels/adder/adder.add", R"({"a":2,"b":3})");
  CHECK(status_of(r) == 200);
  CHECK(contains(body_of(r), R"("output":5,)"));
  CHECK_MESSAGE(server.stop() == 0, server.output());
}

TEST_CASE("kernel.backend = cuda runs the kernel pools on the GPU, or stops the server naming the "
          "pool where CUDA cannot run") {
  server_process server{
    {"--config", RINGACTOR_SOURCE_ROOT "/service/server.example.toml", "--kernel.backend=cuda"}};
  if (server.port() == 0) {
    // No CUDA device (or no CUDA backend): a configuration error, exit 2.
    auto status = server.wait(20s);
    REQUIRE(status.has_value());
    CHECK(*status == 2);
    CHECK_MESSAGE(contains(server.output(), "pools.adder: kernel.backend = \"cuda\", but "),
                  server.output());
    return;
  }
  MESSAGE("a CUDA device serves the adder pool");
  auto r = get(server.port(), "/kernels/adder");
  CHECK(contains(body_of(r), R"("backend":"cuda","device":"cuda:0")"));
  r = post(server.port(), "/kernels/adder/adder.add", R"({"a":2,"b":3})");
  CHECK(contains(body_of(r), R"("output":5,)"));
  CHECK_MESSAGE(server.stop() == 0, server.output());
}

TEST_CASE("a pool's own backend key overrides kernel.backend: cpu runs on the CPU backend even "
          "where kernel.backend = cuda") {
  // Without the pool's key, kernel.backend = cuda stops a server without a
  // GPU (the test above); with it, the pool starts on the CPU backend.
  server_process server{{"--config", RINGACTOR_SOURCE_ROOT "/service/server.example.toml",
                         "--kernel.backend=cuda", "--pools.adder.backend=cpu"}};
  REQUIRE_MESSAGE(server.port() != 0, server.output());
  auto r = get(server.port(), "/kernels");
  CHECK(status_of(r) == 200);
  CHECK_MESSAGE(contains(body_of(r), R"({"id":"adder","backend":"cpu","device":"host threads)"),
                body_of(r));
  r = post(server.port(), "/kernels/adder/adder.add", R"({"a":2,"b":3})");
  CHECK(contains(body_of(r), R"("output":5,)"));
  CHECK_MESSAGE(server.stop() == 0, server.output());
}

TEST_CASE("a pool's backend = automatic takes CUDA where it can run, else the CPU backend, "
          "whatever kernel.backend says") {
  server_process server{{"--config", RINGACTOR_SOURCE_ROOT "/service/server.example.toml",
                         "--kernel.backend=cpu", "--pools.adder.backend=automatic"}};
  REQUIRE_MESSAGE(server.port() != 0, server.output());
  auto body = std::string{body_of(get(server.port(), "/kernels/adder"))};
  INFO(body);
  if (contains(body, R"("backend":"cuda")"))
    MESSAGE("a CUDA device serves the adder pool");
  else
    CHECK(contains(body, R"({"id":"adder","backend":"cpu","device":"host threads)"));
  CHECK_MESSAGE(server.stop() == 0, server.output());
}

TEST_CASE("a pool's backend = cuda where CUDA cannot run stops the server naming the pool and its "
          "key, even where kernel.backend = cpu") {
  server_process server{{"--config", RINGACTOR_SOURCE_ROOT "/service/server.example.toml",
                         "--kernel.backend=cpu", "--pools.adder.backend=cuda"}};
  if (server.port() != 0) {
    MESSAGE("a CUDA device serves the adder pool");
    CHECK(contains(body_of(get(server.port(), "/kernels/adder")),
                   R"("backend":"cuda","device":"cuda:0")"));
    CHECK_MESSAGE(server.stop() == 0, server.output());
    return;
  }
  auto status = server.wait(20s);
  REQUIRE(status.has_value());
  CHECK(*status == 2);
  CHECK_MESSAGE(contains(server.output(), "pools.adder: pools.adder.backend = \"cuda\", but "),
                server.output());
}

TEST_CASE("a pool's backend outside cpu, cuda and automatic, or on a pool of host actors, is a "
          "configuration error naming the key") {
  SUBCASE("an unknown backend") {
    server_process server{{"--config", RINGACTOR_SOURCE_ROOT "/service/server.example.toml",
                           "--pools.adder.backend=gpu"}};
    CHECK(server.port() == 0);
    auto status = server.wait(20s);
    REQUIRE(status.has_value());
    CHECK(*status == 2);
    CHECK_MESSAGE(contains(server.output(), "pools.adder.backend"), server.output());
    CHECK_MESSAGE(contains(server.output(), "gpu"), server.output());
  }
  SUBCASE("a host-actor pool") {
    config_file cfg{"rest_test_host_backend", R"(
[pools.adder_host]
actor = "adder"
backend = "cpu"
)"};
    server_process server{{"--config", cfg.path()}};
    CHECK(server.port() == 0);
    auto status = server.wait(20s);
    REQUIRE(status.has_value());
    CHECK(*status == 2);
    CHECK_MESSAGE(contains(server.output(), "pools.adder_host.backend = \"cpu\": pools.adder_host "
                                            "is a pool of host actors"),
                  server.output());
  }
}
