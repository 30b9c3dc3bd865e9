// test/service: the test server with a topic "ticks" fed by the "ticker"
// service (rest_test_server.cpp), started as a process, and the small
// helpers the SSE tests share.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "server_process.hpp"
#include "sse_client.hpp"

namespace service_test {

/// A configuration file, removed with the object.
class sse_config_file {
public:
  sse_config_file(std::string_view name, std::string_view text)
    : path_(std::filesystem::temp_directory_path()
            / (std::string{name} + "_" + std::to_string(::getpid()) + ".toml")) {
    std::ofstream out{path_};
    out << text;
  }
  ~sse_config_file() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }

private:
  std::filesystem::path path_;
};

/// One ticker (so that ticks are published in order) and the topic "ticks"
/// with a ring of 8 events and 16 per subscriber.
inline constexpr std::string_view ticks_config = R"(
[pools.ticker]
actor = "ticker"
size = 1

[topics.ticks]
buffer = 8
subscriber_buffer = 16
)";

/// The test server with ticks_config and `extra` keys (--http.x=y).
struct ticks_server {
  sse_config_file cfg;
  server_process proc;
  explicit ticks_server(std::vector<std::string> extra = {})
    : cfg("sse_test", ticks_config), proc(RINGACTOR_REST_TEST_SERVER, with_config(cfg, extra)) {}
  static std::vector<std::string> with_config(const sse_config_file& cfg,
                                              std::vector<std::string> extra) {
    extra.insert(extra.begin(), {"--config", cfg.path()});
    return extra;
  }
  std::uint16_t port() const { return proc.port(); }
};

inline std::string post(std::uint16_t port, std::string_view path, std::string_view body) {
  return request(port, "POST " + std::string{path}
                         + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size())
                         + "\r\nConnection: close\r\n\r\n" + std::string{body});
}

/// Publishes `count` ticks (answered once the ticker sent them all).
inline unsigned publish_ticks(std::uint16_t port, int count) {
  return status_of(post(port, "/kernels/ticker/rest_test.burst",
                        "{\"count\":" + std::to_string(count) + "}"));
}

/// Polls the counter `key` of topic `name` until it is `value` (at most
/// `limit`); returns the last value seen.
inline long wait_topic_counter(std::uint16_t port, std::string_view name, std::string_view key,
                               long value,
                               std::chrono::milliseconds limit = std::chrono::seconds{5}) {
  long seen = -1;
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    seen = number_after(body_of(get(port, "/topics/" + std::string{name})), key);
    if (seen == value)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  }
  return seen;
}

} // namespace service_test
