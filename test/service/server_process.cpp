// test/service: server_process and connection (server_process.hpp).
#include "server_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <regex>

#ifndef RINGACTOR_SERVER
#  error "RINGACTOR_SERVER must name the ringactor-server executable"
#endif

namespace service_test {

using clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

int remaining_ms(clock::time_point until) {
  auto left = std::chrono::duration_cast<milliseconds>(until - clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

server_process::server_process(std::vector<std::string> args)
  : server_process(RINGACTOR_SERVER, std::move(args)) {}

server_process::server_process(std::string program, std::vector<std::string> args) {
  args.insert(args.begin(), std::move(program));
  args.push_back("--http.port=0");
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    return;
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    std::_Exit(127);
  }
  ::close(fds[1]);
  out_fd_ = fds[0];
  // Wait for the line that names the port (or the process's end).
  auto until = clock::now() + std::chrono::seconds{30};
  static const std::regex listening{R"(listening on https?://[^:\s]+:(\d+))"};
  while (clock::now() < until) {
    read_available(milliseconds{100});
    std::smatch m;
    if (std::regex_search(output_, m, listening)) {
      port_ = static_cast<std::uint16_t>(std::stoi(m[1].str()));
      return;
    }
    if (wait(milliseconds{0}))
      return;
  }
}

server_process::~server_process() {
  if (pid_ > 0 && !status_) {
    ::kill(pid_, SIGKILL);
    int st = 0;
    ::waitpid(pid_, &st, 0);
  }
  if (out_fd_ >= 0)
    ::close(out_fd_);
}

void server_process::read_available(milliseconds limit) {
  if (out_fd_ < 0)
    return;
  pollfd p{out_fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(limit.count())) <= 0)
    return;
  char buf[4096];
  auto n = ::read(out_fd_, buf, sizeof(buf));
  if (n > 0)
    output_.append(buf, static_cast<std::size_t>(n));
}

std::string server_process::output() {
  for (int i = 0; i < 100; ++i) {
    auto before = output_.size();
    read_available(milliseconds{i == 0 ? 50 : 0});
    if (output_.size() == before)
      break;
  }
  return output_;
}

void server_process::signal(int sig) {
  if (pid_ > 0 && !status_)
    ::kill(pid_, sig);
}

std::optional<int> server_process::wait(milliseconds limit) {
  if (status_ || pid_ <= 0)
    return status_;
  auto until = clock::now() + limit;
  for (;;) {
    int st = 0;
    auto r = ::waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
      status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      return status_;
    }
    if (clock::now() >= until)
      return std::nullopt;
    read_available(milliseconds{20});
  }
}

int server_process::stop() {
  signal(SIGTERM);
  if (auto st = wait(std::chrono::seconds{20}))
    return *st;
  ::kill(pid_, SIGKILL);
  wait(std::chrono::seconds{5});
  return -1;
}

int connect_loopback(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK); // 127.0.0.1 only
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

long number_after(std::string_view text, std::string_view key) {
  auto at = text.find("\"" + std::string{key} + "\":");
  if (at == std::string_view::npos)
    return -1;
  return std::strtol(text.data() + at + key.size() + 3, nullptr, 10);
}

connection::connection(std::uint16_t port, milliseconds limit)
  : fd_(connect_loopback(port)), limit_(limit) {}

connection::~connection() {
  if (fd_ >= 0)
    ::close(fd_);
}

bool connection::send(std::string_view bytes) {
  while (!bytes.empty() && fd_ >= 0) {
    auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0)
      return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return fd_ >= 0;
}

std::string connection::read_response() {
  auto until = clock::now() + limit_;
  auto complete = [this]() -> std::size_t {
    auto end = pending_.find("\r\n\r\n");
    if (end == std::string::npos)
      return 0;
    std::size_t length = 0;
    static const std::regex content_length{R"((?:^|\r\n)[Cc]ontent-[Ll]ength:\s*(\d+))"};
    std::smatch m;
    auto head = pending_.substr(0, end);
    if (std::regex_search(head, m, content_length))
      length = std::stoul(m[1].str());
    return pending_.size() >= end + 4 + length ? end + 4 + length : 0;
  };
  while (fd_ >= 0) {
    if (auto n = complete()) {
      auto r = pending_.substr(0, n);
      pending_.erase(0, n);
      return r;
    }
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, remaining_ms(until)) <= 0)
      return {};
    char buf[8192];
    auto got = ::recv(fd_, buf, sizeof(buf), 0);
    if (got <= 0)
      return {};
    pending_.append(buf, static_cast<std::size_t>(got));
  }
  return {};
}

bool connection::closed_by_peer() {
  auto until = clock::now() + limit_;
  while (fd_ >= 0) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, remaining_ms(until)) <= 0)
      return false;
    char buf[4096];
    auto got = ::recv(fd_, buf, sizeof(buf), 0);
    if (got == 0 || (got < 0 && errno == ECONNRESET))
      return true;
    if (got < 0)
      return false;
    pending_.append(buf, static_cast<std::size_t>(got));
  }
  return false;
}

unsigned status_of(std::string_view response) {
  if (!response.starts_with("HTTP/1.1 ") || response.size() < 12)
    return 0;
  return static_cast<unsigned>(std::atoi(std::string{response.substr(9, 3)}.c_str()));
}

std::string_view body_of(std::string_view response) {
  auto end = response.find("\r\n\r\n");
  return end == std::string_view::npos ? std::string_view{} : response.substr(end + 4);
}

std::string request(std::uint16_t port, std::string_view raw) {
  connection c{port};
  if (!c.connected() || !c.send(raw))
    return {};
  return c.read_response();
}

std::string get(std::uint16_t port, std::string_view path) {
  return request(port, "GET " + std::string{path}
                         + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
}

} // namespace service_test
