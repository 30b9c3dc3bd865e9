// A remote_node_process (remote_node_process.cpp) for the node tests: a
// node in a process of its own, started, stopped and killed by the tests.
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

  ~node_process() {
    if (stdin_ >= 0)
      ::close(stdin_);
    if (pid_ > 0) {
      // A clean stop first; a process that does not exit in 10 s is killed.
      for (int i = 0; i < 1000 && !reaped(); ++i)
        std::this_thread::sleep_for(10ms);
      // reaped() sets pid_ to -1: asking it again would wait for any child
      // (waitpid(-1)), and kill(-1, SIGKILL) ends every process we may
      // signal (all of them, as root).
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

  void signal(int sig) {
    if (pid_ > 0) // never kill(-1, ...): that signals every process we may
      ::kill(pid_, sig);
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
    std::string line;
    auto until = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < until) {
      pollfd p{.fd = stdout_, .events = POLLIN, .revents = 0};
      if (::poll(&p, 1, 100) <= 0)
        continue;
      char c = 0;
      if (::read(stdout_, &c, 1) != 1)
        return 0;
      if (c == '\n')
        break;
      line += c;
    }
    if (line.rfind("port ", 0) != 0)
      return 0;
    return static_cast<std::uint16_t>(std::stoul(line.substr(5)));
  }

  pid_t pid_ = -1;
  int stdin_ = -1;
  int stdout_ = -1;
  std::uint16_t port_ = 0;
};

} // namespace node_test
