// The layers ringactor-server installs from its configuration ([auth],
// [rate_limit], [cors], [limits], http.request_timeout), as real processes
// on free loopback ports: keys from the command line, a file and the
// environment.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "middleware_helpers.hpp"

using namespace service_test;
using namespace std::chrono_literals;

namespace {

/// A variable of this process (inherited by the servers it starts) for the
/// life of the object.
class scoped_env {
public:
  scoped_env(std::string name, const std::string& value) : name_(std::move(name)) {
    ::setenv(name_.c_str(), value.c_str(), 1);
  }
  ~scoped_env() { ::unsetenv(name_.c_str()); }
  scoped_env(const scoped_env&) = delete;
  scoped_env& operator=(const scoped_env&) = delete;

private:
  std::string name_;
};

std::string get_with(std::uint16_t port, std::string_view path, std::vector<std::string> headers) {
  return request(port, raw_request("GET", path, std::move(headers)));
}

std::string nap_request(int ms) {
  auto body = R"({"ms":)" + std::to_string(ms) + "}";
  return "POST /kernels/slow/rest_test.nap HTTP/1.1\r\nHost: x\r\nContent-Length: "
         + std::to_string(body.size()) + "\r\n\r\n" + body;
}

} // namespace

TEST_SUITE_BEGIN("service");

TEST_CASE("ringactor-server installs bearer auth, the rate limit and CORS from its keys, with "
          "tokens from a variable named in auth.tokens_env") {
  scoped_env tokens{"RINGACTOR_MW_TEST_TOKENS", "from-env:/kernels"};
  server_process server{{"--auth.tokens=from-cli", "--auth.tokens_env=RINGACTOR_MW_TEST_TOKENS",
                         "--rate_limit.rate=0.2", "--rate_limit.burst=3", "--rate_limit.key=bearer",
                         "--cors.origins=https://app.example", "--http.access_log=true"}};
  REQUIRE_MESSAGE(server.port() != 0, server.output());
  auto port = server.port();
  auto none = get_with(port, "/kernels", {});
  CHECK(status_of(none) == 401);
  CHECK(header_of(none, "WWW-Authenticate") == "Bearer");
  CHECK(status_of(get_with(port, "/kernels", {"Authorization: Bearer from-cli"})) == 200);
  CHECK(status_of(get_with(port, "/kernels", {"Authorization: Bearer from-env"})) == 200);
  auto denied = get_with(port, "/execute", {"Authorization: Bearer from-env"});
  CHECK(status_of(denied) == 403);
  // The probes stay open (auth.open_paths).
  CHECK(status_of(get_with(port, "/health/live", {})) == 200);
  CHECK(status_of(get_with(port, "/metrics", {})) == 200);
  // The third request with one token is its bucket's last; the fourth is refused.
  CHECK(status_of(get_with(port, "/kernels", {"Authorization: Bearer from-cli"})) == 200);
  auto cors = get_with(port, "/kernels",
                       {"Authorization: Bearer from-cli", "Origin: https://app.example"});
  CHECK(status_of(cors) == 200);
  CHECK(header_of(cors, "Access-Control-Allow-Origin") == "https://app.example");
  auto limited = get_with(port, "/kernels", {"Authorization: Bearer from-cli"});
  CHECK(status_of(limited) == 429);
  CHECK(contains(body_of(limited), R"("error":"rate_limited")"));
  CHECK(header_of(limited, "Retry-After") == "5");
  CHECK_MESSAGE(server.stop() == 0, server.output());
}

TEST_CASE("RINGACTOR_AUTH__TOKENS turns bearer auth on in ringactor-server") {
  scoped_env tokens{"RINGACTOR_AUTH__TOKENS", "env-token"};
  server_process server{{}};
  REQUIRE_MESSAGE(server.port() != 0, server.output());
  CHECK(status_of(get_with(server.port(), "/kernels", {})) == 401);
  CHECK(status_of(get_with(server.port(), "/kernels", {"Authorization: Bearer env-token"})) == 200);
  CHECK_MESSAGE(server.stop() == 0, server.output());
}

TEST_CASE("a malformed token list or an unset auth.tokens_env stops ringactor-server with the "
          "key's name") {
  server_process bad{{"--auth.tokens=a b"}};
  CHECK(bad.port() == 0);
  auto status = bad.wait(10s);
  REQUIRE(status.has_value());
  CHECK(*status == 2);
  CHECK(contains(bad.output(), "auth.tokens: entry 1"));
  server_process unset{{"--auth.tokens_env=RINGACTOR_MW_TEST_UNSET"}};
  CHECK(unset.port() == 0);
  REQUIRE(unset.wait(10s).has_value());
  CHECK(contains(unset.output(), "RINGACTOR_MW_TEST_UNSET is not set"));
  server_process bad_key{{"--rate_limit.key=cookie"}};
  REQUIRE(bad_key.wait(10s).has_value());
  CHECK(contains(bad_key.output(), "rate_limit.key"));
}

TEST_CASE("a server with a request timeout and a concurrency limit from a file answers 504 "
          "timeout and 503 shedding") {
  auto file = std::filesystem::temp_directory_path()
              / ("ringactor_mw_test_" + std::to_string(::getpid()) + ".toml");
  {
    std::ofstream out{file};
    out << "[http]\nrequest_timeout = \"200ms\"\n[limits]\nmax_concurrent = 1\n"
           "retry_after = \"2s\"\n[pools.slow]\nactor = \"sleeper\"\nsize = 1\n";
  }
  server_process server{RINGACTOR_REST_TEST_SERVER, {"--config", file.string()}};
  std::filesystem::remove(file);
  REQUIRE_MESSAGE(server.port() != 0, server.output());
  connection slow{server.port()};
  REQUIRE(slow.send(nap_request(1000)));
  // While the slow request holds the one slot, another is shed. The slot is
  // taken once the server read the request: poll (bounded) until shed.
  std::string shed;
  for (int i = 0; i < 200 && status_of(shed) != 503; ++i)
    shed = request(server.port(), nap_request(1));
  CHECK(status_of(shed) == 503);
  CHECK(contains(body_of(shed), R"("error":"shedding")"));
  CHECK(header_of(shed, "Retry-After") == "2");
  auto timed_out = slow.read_response();
  CHECK(status_of(timed_out) == 504);
  CHECK(contains(body_of(timed_out), R"("error":"timeout")"));
  CHECK_MESSAGE(server.stop() == 0, server.output());
}

TEST_CASE("the example configuration's commented middleware keys load when uncommented") {
  std::ifstream in{RINGACTOR_SOURCE_ROOT "/service/server.example.toml"};
  REQUIRE(in.good());
  static const std::regex commented_key{R"(^# (\[[a-z_]+\]|[a-z_]+ = .*)$)"};
  std::string text;
  int uncommented = 0;
  for (std::string line; std::getline(in, line);) {
    if (std::regex_match(line, commented_key)) {
      line.erase(0, 2);
      ++uncommented;
    }
    text += line + "\n";
  }
  CHECK(uncommented == 22); // 18 keys and 4 tables
  auto file = std::filesystem::temp_directory_path()
              / ("ringactor_mw_example_" + std::to_string(::getpid()) + ".toml");
  std::ofstream{file} << text;
  scoped_env tokens{"RINGACTOR_SERVER_TOKENS", "more-tokens"};
  server_process server{{"--config", file.string()}};
  std::filesystem::remove(file);
  REQUIRE_MESSAGE(server.port() != 0, server.output());
  CHECK(status_of(get_with(server.port(), "/kernels", {})) == 401);
  auto ok = get_with(server.port(), "/kernels", {"Authorization: Bearer s3cret"});
  CHECK(status_of(ok) == 200);
  CHECK(status_of(get_with(server.port(), "/kernels", {"Authorization: Bearer more-tokens"}))
        == 200);
  CHECK_MESSAGE(server.stop() == 0, server.output());
}

TEST_SUITE_END();
