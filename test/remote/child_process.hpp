// The remote suite's child processes: a program started with pipes on its
// stdin and stdout, read line by line with bounded waits, stopped by
// closing its stdin (killed if it does not exit within 10 s) and reaped.
// node_process (node_process.hpp) and the K2K tests' broker_process build on
// it. One place that signals children: a reaped child's pid_ is -1, and
// kill(-1, ...) would reach every process this user may signal, so nothing
// here signals or waits once the child is reaped.
#pragma once

#include <doctest/doctest.h>

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace remote_test {

class child_process {
public:
  /// Starts `program` with `args`.
  child_process(const std::string& program, const std::vector<std::string>& args) {
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
    std::vector<std::string> all{program};
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
  }

  child_process(child_process&&) = delete;

  ~child_process() {
    if (stdin_ >= 0)
      ::close(stdin_);
    // A clean stop first; a process that does not exit in 10 s is killed.
    for (int i = 0; i < 1000 && !reaped(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds{10});
    kill9();
    ::close(stdout_);
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
      if (::read(stdout_, &c, 1) != 1 || c == '\n')
        break;
      line += c;
    }
    return line;
  }

  /// Writes `text` and a newline to the process's stdin; false if it could not.
  bool write_line(const std::string& text) {
    auto line = text + "\n";
    return ::write(stdin_, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  }

  void signal(int sig) {
    if (pid_ > 0)
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
  /// Whether the process has exited (and is reaped now); true once reaped.
  bool reaped() {
    if (pid_ <= 0)
      return true;
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return true;
    }
    return false;
  }

  pid_t pid_ = -1;
  int stdin_ = -1;
  int stdout_ = -1;
};

} // namespace remote_test
