// Helpers of the topology, remote spawn and remote pool tests: free
// loopback ports, a topology file that removes itself, a node's settings,
// and requests with a bound.
#pragma once

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <ringactor/all.hpp>
#include <ringactor/remote/node.hpp>

#include "node_test_types.hpp"

namespace node_test {

inline const char* const cluster_secret = "test-cluster-secret";

/// A port on 127.0.0.1 that was free a moment ago (bound to port 0, read,
/// closed): what a topology file names for a node a test starts.
inline std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0);
  socklen_t len = sizeof(a);
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  ::close(fd);
  return ntohs(a.sin_port);
}

/// A file in the temporary directory, removed when the test is done.
class temp_file {
public:
  temp_file(const std::string& stem, const std::string& text)
    : path_(std::filesystem::temp_directory_path()
            / (stem + "_" + std::to_string(::getpid()) + "_" + std::to_string(++count())
               + ".toml")) {
    std::ofstream f{path_};
    f << text;
  }
  temp_file(const temp_file&) = delete;
  temp_file& operator=(const temp_file&) = delete;
  ~temp_file() { std::filesystem::remove(path_); }
  const std::filesystem::path& path() const noexcept { return path_; }

private:
  static int& count() {
    static int n = 0;
    return n;
  }
  std::filesystem::path path_;
};

/// The settings of a node in the test process: loopback only, a fast
/// failure detector.
inline ringactor::remote::node_config local_config(std::string name = "node-a") {
  ringactor::remote::node_config cfg;
  cfg.name = std::move(name);
  cfg.cluster_secret = cluster_secret;
  cfg.net_devices = "lo"; // no traffic to any address outside 127.0.0.0/8
  cfg.heartbeat_interval = std::chrono::milliseconds{100};
  cfg.heartbeat_timeout = std::chrono::milliseconds{1000};
  cfg.handshake_timeout = std::chrono::milliseconds{1000};
  return cfg;
}

inline std::unique_ptr<ringactor::remote::node>
must_start(ringactor::expected<std::unique_ptr<ringactor::remote::node>> n) {
  REQUIRE_MESSAGE(n.has_value(), (n ? std::string{} : to_string(n.error())));
  return std::move(*n);
}

/// The answer to ping{n} from `dest` (value or error), within 5 s.
inline ringactor::expected<ping> ping_of(ringactor::actor_system& sys, const ringactor::actor& dest,
                                         std::int64_t n) {
  ringactor::scoped_actor self{sys};
  ringactor::expected<ping> out{ringactor::error{ringactor::sec::request_timeout}};
  self->request(dest, std::chrono::seconds{5}, ping{n})
    .receive([&](ping p) { out = p; }, [&](const ringactor::error& e) { out = e; });
  return out;
}

/// The census of the node process whose "census" is `c` ({-1, -1} when it
/// does not answer in 5 s).
inline census census_of(ringactor::actor_system& sys, const ringactor::actor& c) {
  ringactor::scoped_actor self{sys};
  census out{-1, -1};
  self->request(c, std::chrono::seconds{5}, get_census{})
    .receive([&](census x) { out = x; }, [](const ringactor::error&) {});
  return out;
}

inline std::string error_text(const ringactor::error& e) {
  return to_string(e);
}

} // namespace node_test
