// test/service: sse_client (sse_client.hpp).
#include "sse_client.hpp"
#include "server_process.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace service_test {

using clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

sse_client::sse_client(std::uint16_t port, std::string_view path, std::string_view extra_headers,
                       int receive_buffer) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0)
    return;
  if (receive_buffer > 0)
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof(receive_buffer));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK); // 127.0.0.1 only
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close();
    return;
  }
  std::string req = "GET ";
  req += path;
  req += " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n";
  req += extra_headers;
  req += "\r\n";
  std::string_view out = req;
  while (!out.empty()) {
    auto n = ::send(fd_, out.data(), out.size(), MSG_NOSIGNAL);
    if (n <= 0) {
      close();
      return;
    }
    out.remove_prefix(static_cast<std::size_t>(n));
  }
}

sse_client::~sse_client() {
  close();
}

void sse_client::close() {
  if (fd_ >= 0)
    ::close(fd_);
  fd_ = -1;
}

bool sse_client::fill(clock::time_point until) {
  if (fd_ < 0 || ended_)
    return false;
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, remaining_ms(until)) <= 0)
    return false;
  char buf[16384];
  auto got = ::recv(fd_, buf, sizeof(buf), 0);
  if (got <= 0) {
    ended_ = got == 0 || errno == ECONNRESET;
    return false;
  }
  pending_.append(buf, static_cast<std::size_t>(got));
  return true;
}

std::string sse_client::head(milliseconds limit) {
  auto until = clock::now() + limit;
  for (;;) {
    if (auto end = pending_.find("\r\n\r\n"); end != std::string::npos) {
      auto h = pending_.substr(0, end + 4);
      pending_.erase(0, end + 4);
      head_read_ = true;
      return h;
    }
    if (!fill(until))
      return {};
  }
}

std::optional<sse_event> sse_client::next(milliseconds limit) {
  auto until = clock::now() + limit;
  if (!head_read_ && head(limit).empty())
    return std::nullopt;
  for (;;) {
    if (auto end = pending_.find("\n\n"); end != std::string::npos) {
      std::string_view block{pending_.data(), end + 1};
      sse_event e;
      while (!block.empty()) {
        auto nl = block.find('\n');
        auto line = block.substr(0, nl);
        block.remove_prefix(nl + 1);
        auto colon = line.find(':');
        auto field = line.substr(0, colon);
        auto value = colon == std::string_view::npos ? std::string_view{} : line.substr(colon + 1);
        if (value.starts_with(' '))
          value.remove_prefix(1);
        if (field.empty())
          e.comment += value;
        else if (field == "id")
          e.id = value;
        else if (field == "event")
          e.type = value;
        else if (field == "data")
          e.data += (e.data.empty() ? "" : "\n") + std::string{value};
      }
      pending_.erase(0, end + 2);
      return e;
    }
    if (!fill(until))
      return std::nullopt;
  }
}

std::optional<sse_event> sse_client::next_event(milliseconds limit) {
  auto until = clock::now() + limit;
  for (;;) {
    auto e = next(milliseconds{remaining_ms(until)});
    if (!e || e->comment.empty() || !e->type.empty() || !e->data.empty())
      return e;
  }
}

bool sse_client::wait_closed(milliseconds limit) {
  auto until = clock::now() + limit;
  while (!ended_ && clock::now() < until)
    fill(until);
  return ended_;
}

std::string read_until_closed(std::uint16_t port, std::string_view raw, milliseconds limit) {
  auto until = clock::now() + limit;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return {};
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK); // 127.0.0.1 only
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0
      && ::send(fd, raw.data(), raw.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(raw.size())) {
    for (;;) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, remaining_ms(until)) <= 0)
        break;
      char buf[8192];
      auto got = ::recv(fd, buf, sizeof(buf), 0);
      if (got <= 0)
        break;
      out.append(buf, static_cast<std::size_t>(got));
    }
  }
  ::close(fd);
  return out;
}

} // namespace service_test
