// The remote suite's helpers: a remote_node_process started with pipes
// (its port read, its later lines readable), stopped by closing its stdin
// or killed; and a bounded wait for a condition.
#pragma once

#include <doctest/doctest.h>

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace node_test {

using namespace std::chrono_literals;

/// A remote_node_process: started with pipes on stdin and stdout, its port
/// read (bounded), stopped by closing stdin (or killed) and reaped.
class node_process {
public:
  explicit node_process(std::vector<std::string> args) {
    int in[2];
    int out[2];
    REQUIRE(::pipe(in) == 0);
    REQUIRE(::pipe(out) == 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addclose(&fa, in[1]);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    std::vector<std::string> all{RINGACTOR_REMOTE_NODE};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    REQUIRE(::posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ) == 0);
    posix_spawn_file_actions_destroy(&fa);
    ::close(in[0]);
    ::close(out[1]);
    stdin_ = in[1];
    stdout_ = out[0];
    port_ = read_port();
    REQUIRE_MESSAGE(port_ != 0, "the node process printed no port");
  }

  node_process(node_process&&) = delete;

  ~node_process() {
    if (stdin_ >= 0)
      ::close(stdin_);
    if (pid_ > 0) {
      // A clean stop first; a process that does not exit in 10 s is killed.
      for (int i = 0; i < 1000 && !reaped(); ++i)
        std::this_thread::sleep_for(10ms);
      // Not reaped() again: once it reaped the process, pid_ is -1, and
      // waitpid(-1) / kill(-1) would reach every other child (and every
      // process this user may signal) while another node process runs.
      if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
      }
    }
    ::close(stdout_);
  }

  std::uint16_t port() const noexcept { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  // pid_ is -1 once the process was reaped: kill(-1, ...) would signal
  // every process this user may signal, so both calls check it.
  void signal(int sig) {
    if (pid_ > 0)
      ::kill(pid_, sig);
  }

  /// The next line the process prints (without the newline); what it
  /// printed so far when `limit` passes or its output ends.
  std::string read_line(std::chrono::milliseconds limit = std::chrono::seconds{20}) {
    std::string line;
    auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      pollfd p{.fd = stdout_, .events = POLLIN, .revents = 0};
      if (::poll(&p, 1, 100) <= 0)
        continue;
      char c = 0;
      if (::read(stdout_, &c, 1) != 1)
        break;
      if (c == '\n')
        break;
      line += c;
    }
    return line;
  }

  void kill9() {
    if (pid_ <= 0)
      return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

private:
  bool reaped() {
    if (pid_ <= 0)
      return true;
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return true;
    }
    return false;
  }

  std::uint16_t read_port() {
    auto line = read_line();
    if (line.rfind("port ", 0) != 0)
      return 0;
    return static_cast<std::uint16_t>(std::stoul(line.substr(5)));
  }

  pid_t pid_ = -1;
  int stdin_ = -1;
  int stdout_ = -1;
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
