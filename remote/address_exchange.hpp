// ringactor remote: a node's listening port, owned by the transport rather
// than by UCX's connection manager (which, in Debian's UCX 1.13, aborts the
// process on bytes that are not its protocol). A small thread of its own
// accepts TCP connections there, and opens them to other nodes; on each,
// both sides exchange preambles (preamble.hpp: their UCP worker addresses),
// the transport creates its endpoint from the peer's address and says so
// (endpoint_ready), and both sides exchange one ready byte: a side sends
// frames only once the other has its endpoint, so none arrives at an
// endpoint UCX made on its own. The TCP connection then stays open, idle,
// as the peer's liveness channel: an endpoint created from a worker address
// tells the peer nothing when this side closes it, and over shared memory
// (UCX's keepalive off: see transport.cpp) nothing finds a dead process;
// the connection's end (EOF, a reset) does, at once, and ends the peer
// (on_failed). A byte on it after the exchange ends the peer too.
//
// Anything else on the port (wrong magic, a length past the bound, silence
// past exchange_timeout, half a preamble, a reset) is closed, logged and
// counted in refused(); it never reaches UCX.
#pragma once

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <ringactor/expected.hpp>
#include <ringactor/remote/transport.hpp>

namespace ringactor::remote::detail {

struct socket_address {
  sockaddr_storage storage{};
  socklen_t length = 0;
};

/// `host` (an IPv4 or IPv6 address) and `port`, or an error naming it.
expected<socket_address> parse_address(const std::string& host, std::uint16_t port);

/// How long a connection on the port may take to finish its exchange.
inline constexpr auto exchange_timeout = std::chrono::seconds{5};

/// Connections in exchange at once (established ones not counted); more
/// are closed at once (refused).
inline constexpr std::size_t max_exchanges = 256;

class address_exchange {
public:
  struct handlers {
    /// The peer's worker address arrived: for an accepted connection with
    /// an id fresh from new_peer (accepted = true), for a connect with the
    /// id given. The transport creates its endpoint and calls
    /// endpoint_ready (or abandon).
    std::function<void(peer_id, std::vector<std::byte>, bool accepted)> on_address;
    /// The peer has its endpoint: frames may go.
    std::function<void(peer_id)> on_peer_ready;
    /// A connect failed, or a peer's connection ended (during the exchange
    /// after on_address, or later: the peer closed or died). The reason
    /// starts with "peer lost: ".
    std::function<void(peer_id, std::string)> on_failed;
    /// A fresh peer id.
    std::function<peer_id()> new_peer;
  };

  /// Listens on `listen` and starts the thread. `own_address` is this
  /// side's UCP worker address.
  static expected<std::unique_ptr<address_exchange>> start(const socket_address& listen,
                                                           std::vector<std::byte> own_address,
                                                           std::string key, handlers h);

  address_exchange(const address_exchange&) = delete;
  address_exchange& operator=(const address_exchange&) = delete;

  /// Stops the thread and closes every socket; no handler runs after it.
  ~address_exchange();

  /// Stops the thread: no handler runs after it returns; requests made
  /// later are not taken (the destructor closes their sockets).
  void stop();

  std::uint16_t port() const noexcept { return port_; }

  /// Opens a connection to `to` for `peer`.
  void connect(peer_id peer, const socket_address& to);

  /// The transport created its endpoint to `peer`.
  void endpoint_ready(peer_id peer);

  /// The transport is done with `peer`: its connection closes (which the
  /// peer sees as this side's close).
  void abandon(peer_id peer);

  /// Connections refused (not a preamble, too long, too slow, reset).
  std::uint64_t refused() const noexcept { return refused_.load(std::memory_order_relaxed); }

  struct connection;

private:
  address_exchange(int listen_fd, int wake_fd, std::uint16_t port, std::vector<std::byte> own,
                   std::string key, handlers h);

  struct request {
    enum class kind { connect, endpoint_ready, abandon } what;
    peer_id peer;
    socket_address to;
  };

  void post(request r);
  void run();
  void accept_all();
  void take(request& r);
  void on_event(connection& c, short revents);
  void finish(connection& c, const std::string& why);

  int listen_fd_;
  int wake_fd_; // an eventfd: requests and the stop
  std::uint16_t port_;
  std::string key_;                 // preambles are signed with it
  std::vector<std::byte> preamble_; // this side's, written on every connection
  handlers handlers_;
  std::thread thread_;
  // Paired with the thread's acquire load: the destructor's stop.
  std::atomic<bool> stopping_{false};
  // Relaxed: a statistic.
  std::atomic<std::uint64_t> refused_{0};
  std::mutex mtx_;                // guards requests_
  std::vector<request> requests_; // guarded by mtx_
  // The thread's own.
  std::vector<std::unique_ptr<connection>> connections_;
};

} // namespace ringactor::remote::detail
