#include "address_exchange.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include <ringactor/error.hpp>
#include <ringactor/logger.hpp>

#include "preamble.hpp"

namespace ringactor::remote::detail {

expected<socket_address> parse_address(const std::string& host, std::uint16_t port) {
  socket_address out;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out.storage);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    out.length = sizeof(sockaddr_in);
    return out;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
  if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    out.length = sizeof(sockaddr_in6);
    return out;
  }
  return error{sec::invalid_argument, fmt::format("remote: '{}' is not an IP address", host)};
}

namespace {

error socket_error(const std::string& what) {
  return error{sec::runtime_error, fmt::format("remote: {}: {}", what, std::strerror(errno))};
}

} // namespace

/// One TCP connection in its exchange.
struct address_exchange::connection {
  int fd = -1;
  /// 0 until the peer's preamble is whole (accepted connections get their
  /// id then: a refused one never becomes a peer).
  peer_id peer = 0;
  bool accepted = false;
  bool connecting = false; // a connect not yet established
  std::chrono::steady_clock::time_point deadline;
  std::vector<std::byte> out; // to write
  std::size_t written = 0;
  std::vector<std::byte> in;  // read, not yet parsed
  bool address_taken = false; // the peer's preamble was handed on
  bool ready_sent = false;    // preamble_ready queued
  bool peer_ready = false;    // the peer's preamble_ready read
  /// The exchange is done both ways: the connection stays open as the
  /// peer's liveness channel (its end is the peer's end).
  bool established = false;
};

expected<std::unique_ptr<address_exchange>> address_exchange::start(
  const socket_address& listen, std::vector<std::byte> own_address, std::string key, handlers h) {
  auto* sa = reinterpret_cast<const sockaddr*>(&listen.storage);
  int fd = ::socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    return socket_error("creating the listening socket");
  int one = 1;
  (void) ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (::bind(fd, sa, listen.length) != 0 || ::listen(fd, 64) != 0) {
    auto e = socket_error("listening");
    ::close(fd);
    return e;
  }
  sockaddr_storage bound{};
  socklen_t len = sizeof(bound);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len) != 0) {
    auto e = socket_error("the listening socket's address");
    ::close(fd);
    return e;
  }
  auto port = bound.ss_family == AF_INET
                ? ntohs(reinterpret_cast<const sockaddr_in*>(&bound)->sin_port)
                : ntohs(reinterpret_cast<const sockaddr_in6*>(&bound)->sin6_port);
  int wake = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake < 0) {
    auto e = socket_error("creating an eventfd");
    ::close(fd);
    return e;
  }
  std::unique_ptr<address_exchange> x{
    new address_exchange{fd, wake, port, std::move(own_address), std::move(key), std::move(h)}};
  x->thread_ = std::thread{[p = x.get()] { p->run(); }};
  return x;
}

address_exchange::address_exchange(int listen_fd, int wake_fd, std::uint16_t port,
                                   std::vector<std::byte> own, std::string key, handlers h)
  : listen_fd_(listen_fd),
    wake_fd_(wake_fd),
    port_(port),
    key_(std::move(key)),
    preamble_(make_preamble(own, key_)),
    handlers_(std::move(h)) {}

void address_exchange::stop() {
  if (thread_.joinable()) {
    stopping_.store(true, std::memory_order_release);
    std::uint64_t one = 1;
    (void) !::write(wake_fd_, &one, sizeof(one));
    thread_.join();
  }
}

address_exchange::~address_exchange() {
  stop();
  for (auto& c : connections_)
    ::close(c->fd);
  ::close(listen_fd_);
  ::close(wake_fd_);
}

void address_exchange::connect(peer_id peer, const socket_address& to) {
  post({request::kind::connect, peer, to});
}

void address_exchange::endpoint_ready(peer_id peer) {
  post({request::kind::endpoint_ready, peer, {}});
}

void address_exchange::abandon(peer_id peer) {
  post({request::kind::abandon, peer, {}});
}

void address_exchange::post(request r) {
  {
    std::lock_guard guard{mtx_};
    requests_.push_back(std::move(r));
  }
  std::uint64_t one = 1;
  (void) !::write(wake_fd_, &one, sizeof(one));
}

void address_exchange::run() {
  std::vector<pollfd> fds;
  std::vector<request> batch;
  while (!stopping_.load(std::memory_order_acquire)) {
    fds.clear();
    fds.push_back({wake_fd_, POLLIN, 0});
    fds.push_back({listen_fd_, POLLIN, 0});
    auto now = std::chrono::steady_clock::now();
    auto next = now + std::chrono::seconds{1};
    for (auto& c : connections_) {
      short events = POLLIN;
      if (c->connecting || c->written < c->out.size())
        events |= POLLOUT;
      fds.push_back({c->fd, events, 0});
      next = std::min(next, c->deadline);
    }
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next - now).count();
    ::poll(fds.data(), fds.size(), static_cast<int>(std::max<std::int64_t>(wait, 0) + 1));
    if (stopping_.load(std::memory_order_acquire))
      return;
    if ((fds[0].revents & POLLIN) != 0) {
      std::uint64_t n = 0;
      (void) !::read(wake_fd_, &n, sizeof(n));
    }
    // Events first, for the connections polled (requests and accepts below
    // may add connections: fds[i + 2] is connections_[i] up to here).
    auto polled = fds.size() - 2;
    for (std::size_t i = 0; i < polled; ++i)
      if (fds[i + 2].revents != 0 && connections_[i]->fd >= 0)
        on_event(*connections_[i], fds[i + 2].revents);
    now = std::chrono::steady_clock::now();
    for (auto& c : connections_)
      if (c->fd >= 0 && now >= c->deadline)
        finish(*c, "no preamble within the exchange timeout");
    {
      std::lock_guard guard{mtx_};
      batch.swap(requests_);
    }
    for (auto& r : batch)
      take(r);
    batch.clear();
    if ((fds[1].revents & POLLIN) != 0)
      accept_all();
    std::erase_if(connections_, [](const std::unique_ptr<connection>& c) { return c->fd < 0; });
  }
}

void address_exchange::accept_all() {
  for (;;) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
      return; // EAGAIN, or an error of that one connection
    auto exchanging = std::count_if(connections_.begin(), connections_.end(),
                                    [](const auto& c) { return !c->established; });
    if (static_cast<std::size_t>(exchanging) >= max_exchanges) {
      refused_.fetch_add(1, std::memory_order_relaxed);
      log_warn("remote: refused a connection on port {}: {} exchanges in progress", port_,
               max_exchanges);
      ::close(fd);
      continue;
    }
    int one = 1;
    (void) ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    auto c = std::make_unique<connection>();
    c->fd = fd;
    c->accepted = true;
    c->deadline = std::chrono::steady_clock::now() + exchange_timeout;
    c->out = preamble_;
    connections_.push_back(std::move(c));
  }
}

void address_exchange::take(request& r) {
  auto find = [&]() -> connection* {
    for (auto& c : connections_)
      if (c->fd >= 0 && c->peer == r.peer)
        return c.get();
    return nullptr;
  };
  switch (r.what) {
    case request::kind::connect: {
      auto* sa = reinterpret_cast<const sockaddr*>(&r.to.storage);
      int fd = ::socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0) {
        handlers_.on_failed(r.peer, fmt::format("peer lost: connect: {}", std::strerror(errno)));
        return;
      }
      if (::connect(fd, sa, r.to.length) != 0 && errno != EINPROGRESS) {
        auto why = fmt::format("peer lost: connect: {}", std::strerror(errno));
        ::close(fd);
        handlers_.on_failed(r.peer, why);
        return;
      }
      int one = 1;
      (void) ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      auto c = std::make_unique<connection>();
      c->fd = fd;
      c->peer = r.peer;
      c->connecting = true;
      c->deadline = std::chrono::steady_clock::now() + exchange_timeout;
      c->out = preamble_;
      connections_.push_back(std::move(c));
      return;
    }
    case request::kind::endpoint_ready:
      if (auto* c = find(); c != nullptr && !c->ready_sent) {
        c->ready_sent = true;
        c->out.push_back(preamble_ready);
        on_event(*c, POLLOUT);
      }
      return;
    case request::kind::abandon:
      if (auto* c = find(); c != nullptr) {
        ::close(c->fd);
        c->fd = -1;
      }
      return;
  }
}

void address_exchange::on_event(connection& c, short revents) {
  if (c.connecting && (revents & (POLLOUT | POLLERR | POLLHUP)) != 0) {
    int err = 0;
    socklen_t len = sizeof(err);
    (void) ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      finish(c, fmt::format("connect: {}", std::strerror(err)));
      return;
    }
    c.connecting = false;
  }
  if (c.connecting)
    return;
  while (c.written < c.out.size()) {
    auto n = ::send(c.fd, c.out.data() + c.written, c.out.size() - c.written, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        break;
      finish(c, fmt::format("writing the preamble: {}", std::strerror(errno)));
      return;
    }
    c.written += static_cast<std::size_t>(n);
  }
  if ((revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
    std::byte buffer[4096];
    for (;;) {
      auto n = ::recv(c.fd, buffer, sizeof(buffer), 0);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        break;
      if (n <= 0) {
        finish(c, n == 0 ? std::string{c.established ? "connection closed"
                                                     : "closed before the exchange was done"}
                         : fmt::format("reading: {}", std::strerror(errno)));
        return;
      }
      c.in.insert(c.in.end(), buffer, buffer + n);
      if (!c.address_taken) {
        auto p = parse_preamble(c.in, key_);
        if (p.what == preamble_parse::outcome::refused) {
          finish(c, p.why);
          return;
        }
        if (p.what == preamble_parse::outcome::need_more)
          continue;
        c.in.erase(c.in.begin(), c.in.begin() + static_cast<std::ptrdiff_t>(p.consumed));
        c.address_taken = true;
        if (c.accepted)
          c.peer = handlers_.new_peer();
        handlers_.on_address(c.peer, std::move(p.address), c.accepted);
      }
      if (!c.in.empty()) {
        if (c.peer_ready || c.in.size() != 1 || c.in[0] != preamble_ready) {
          finish(c, "bytes after the preamble that are not its ready byte");
          return;
        }
        c.in.clear();
        c.peer_ready = true;
        handlers_.on_peer_ready(c.peer);
      }
    }
  }
  if (!c.established && c.peer_ready && c.ready_sent && c.written == c.out.size()) {
    // Done. UCX's error handling does not tell a peer that this side closed
    // its endpoint, nor (over shared memory, without keepalive) that this
    // process died: the connection's end does, so it stays open.
    c.established = true;
    c.deadline = std::chrono::steady_clock::time_point::max();
    c.out.clear();
    c.written = 0;
  }
}

void address_exchange::finish(connection& c, const std::string& why) {
  ::close(c.fd);
  c.fd = -1;
  if (c.peer != 0) {
    // A peer the transport knows of (a connect, or an address handed on).
    handlers_.on_failed(c.peer, fmt::format("peer lost: {}", why));
    return;
  }
  refused_.fetch_add(1, std::memory_order_relaxed);
  log_warn("remote: refused a connection on port {}: {}", port_, why);
}

} // namespace ringactor::remote::detail
