// test/service: helpers of the TLS tests (tls_test.cpp): test certificates
// made with the openssl tool at test time, shell commands with their output,
// and a command run in the background whose output is read with bounded
// waits.
#pragma once

#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server_process.hpp"

namespace service_test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

/// Runs a shell command; its exit status and output (stdout and stderr).
inline std::pair<int, std::string> run(const std::string& command) {
  std::string out;
  auto* p = ::popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr)
    return {-1, out};
  std::array<char, 4096> buf;
  while (auto n = std::fread(buf.data(), 1, buf.size(), p))
    out.append(buf.data(), n);
  auto st = ::pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

/// The test certificates, made once per run in a temporary directory
/// (removed at exit). `error` says what failed, if anything did.
struct test_certs {
  fs::path dir;
  std::string error;

  test_certs() {
    char tmpl[] = "/tmp/ringactor-tls-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) {
      error = "mkdtemp failed";
      return;
    }
    dir = tmpl;
    std::ofstream{dir / "server.ext"} << "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                                         "extendedKeyUsage=serverAuth\n";
    std::ofstream{dir / "client.ext"} << "extendedKeyUsage=clientAuth\n";
    auto d = dir.string();
    // P-256 keys: quick to make, and every TLS 1.2 and 1.3 client takes them.
    auto key = [&](std::string name) {
      return "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " + d + "/" + name
             + ".key";
    };
    auto signed_by_ca = [&](std::string name, std::string cn) {
      return "openssl req -new -key " + d + "/" + name + ".key -subj /CN=" + cn + " -out " + d + "/"
             + name + ".csr && openssl x509 -req -in " + d + "/" + name + ".csr -CA " + d
             + "/ca.pem -CAkey " + d + "/ca.key -CAcreateserial -days 2 -extfile " + d + "/" + name
             + ".ext -out " + d + "/" + name + ".pem";
    };
    for (auto& step : {key("ca"),
                       "openssl req -x509 -new -key " + d
                         + "/ca.key -subj /CN=ringactor-test-ca -days 2 -out " + d + "/ca.pem",
                       key("server"), signed_by_ca("server", "localhost"), key("client"),
                       signed_by_ca("client", "ringactor-test-client"), key("other")}) {
      auto ran1 = run(step);
      // Not a structured binding: clang 14 cannot capture one in doctest's checks.
      auto& rc = ran1.first;
      auto& out = ran1.second;
      if (rc != 0) {
        error = step + ": " + out;
        return;
      }
    }
  }
  ~test_certs() {
    std::error_code ignored;
    if (!dir.empty())
      fs::remove_all(dir, ignored);
  }

  std::string file(std::string_view name) const { return (dir / name).string(); }
  /// The server's TLS arguments.
  std::vector<std::string> server_args() const {
    return {"--http.tls_cert_file=" + file("server.pem"),
            "--http.tls_key_file=" + file("server.key")};
  }
  /// curl with the test CA, bounded.
  std::string curl() const { return "curl -sS --max-time 10 --cacert " + file("ca.pem") + " "; }
};

inline const test_certs& certs() {
  static test_certs c;
  return c;
}

inline std::string https(std::uint16_t port, std::string_view path) {
  return "https://127.0.0.1:" + std::to_string(port) + std::string{path};
}

/// The server of these tests: ringactor-server with the example
/// configuration (kernels on the CPU backend) over TLS, plus `more`.
inline std::vector<std::string> tls_server_args(std::vector<std::string> more = {}) {
  std::vector<std::string> args{"--config",
                                std::string{RINGACTOR_SOURCE_ROOT} + "/service/server.example.toml",
                                "--kernel.backend=cpu"};
  for (auto& a : certs().server_args())
    args.push_back(a);
  for (auto& a : more)
    args.push_back(std::move(a));
  return args;
}

/// A shell command run in the background, its stdout (and stderr) read
/// with bounded waits; SIGKILLed at the end if it still runs.
class background {
public:
  explicit background(const std::string& command) {
    int fds[2];
    if (::pipe(fds) != 0)
      return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], 1);
      ::dup2(fds[1], 2);
      ::close(fds[0]);
      ::close(fds[1]);
      ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(fds[1]);
    fd_ = fds[0];
  }
  ~background() {
    if (pid_ > 0 && !status_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (fd_ >= 0)
      ::close(fd_);
  }
  background(const background&) = delete;
  background& operator=(const background&) = delete;

  /// True once its output holds `text` (read until then, bounded).
  bool wait_for(std::string_view text, std::chrono::milliseconds limit) {
    auto until = std::chrono::steady_clock::now() + limit;
    while (output_.find(text) == std::string::npos) {
      pollfd p{fd_, POLLIN, 0};
      if (fd_ < 0 || ::poll(&p, 1, remaining_ms(until)) <= 0)
        return false;
      char buf[4096];
      auto n = ::read(fd_, buf, sizeof(buf));
      if (n <= 0)
        return output_.find(text) != std::string::npos;
      output_.append(buf, static_cast<std::size_t>(n));
    }
    return true;
  }
  /// Its exit status once it ends within `limit`.
  std::optional<int> wait(std::chrono::milliseconds limit) {
    auto until = std::chrono::steady_clock::now() + limit;
    while (!status_ && pid_ > 0) {
      int st = 0;
      if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        break;
      }
      if (std::chrono::steady_clock::now() >= until)
        break;
      wait_for("\x01", 20ms); // reads what came meanwhile (the text never comes)
    }
    return status_;
  }
  const std::string& output() const { return output_; }

private:
  int pid_ = -1;
  int fd_ = -1;
  std::string output_;
  std::optional<int> status_;
};

/// Runs a python3 script (Debian's, which has websockets) with `args`.
inline std::pair<int, std::string> python(std::string_view name, std::string_view script,
                                          const std::string& args) {
  auto file = certs().file(name);
  std::ofstream{file} << script;
  return run("timeout 30 /usr/bin/python3 " + file + " " + args);
}

inline bool have_tools() {
  return run("command -v curl && command -v openssl").first == 0;
}

} // namespace service_test
