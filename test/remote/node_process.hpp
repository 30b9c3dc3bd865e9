// The remote suite's helpers: a remote_node_process (its port read, its
// later lines readable), stopped by closing its stdin or killed; and a
// bounded wait for a condition.
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "child_process.hpp"

namespace node_test {

using namespace std::chrono_literals;

/// A remote_node_process (child_process.hpp), its port read (bounded).
class node_process {
public:
  explicit node_process(std::vector<std::string> args) : child_{RINGACTOR_REMOTE_NODE, args} {
    auto line = child_.read_line();
    if (line.rfind("port ", 0) == 0)
      port_ = static_cast<std::uint16_t>(std::stoul(line.substr(5)));
    REQUIRE_MESSAGE(port_ != 0, "the node process printed no port");
  }

  std::uint16_t port() const noexcept { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  void signal(int sig) { child_.signal(sig); }
  void kill9() { child_.kill9(); }

  /// The next line the process prints (without the newline); what it
  /// printed so far when `limit` passes or its output ends.
  std::string read_line(std::chrono::milliseconds limit = std::chrono::seconds{20}) {
    return child_.read_line(limit);
  }

private:
  remote_test::child_process child_;
  std::uint16_t port_ = 0;
};

/// Polls `pred` until it holds or `limit` passed.
template <class Pred>
bool test_eventually(Pred pred, std::chrono::milliseconds limit = 10s) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > until)
      return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

} // namespace node_test
