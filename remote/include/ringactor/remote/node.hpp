// ringactor remote: a node, the unit that makes this process's actors
// reachable from other processes and theirs from this one.
//
//   remote::node_config cfg{.name = "node-a", .net_devices = "lo",
//                           .cluster_secret = "s3cret"};
//   auto a = remote::node::start(sys, cfg);              // listens, (*a)->port()
//   (*a)->publish(scorer, "scorer");
//   // in another process:
//   auto s = (*b)->lookup("127.0.0.1:" + port, "scorer"); // expected<actor>, a proxy
//   self->request(*s, 1s, score{...}).then(...);
//
// Every connection starts with the handshake (handshake.hpp); nothing a
// peer sends before it passed is delivered. A proxy forwards what it is
// sent: the payload in the wire layer's binary format under its type's
// stable id (types registered with RINGACTOR_TYPE), the sender as a handle
// on the other node (replies find their way back), a request's answer
// routed to its requester. A peer whose process ends or that is silent
// past heartbeat_timeout is down: every proxy to it exits with node_down
// (monitors get down_msg, links the exit), every request pending on it
// gets node_down. A node that comes back is a new incarnation: old proxies
// stay dead, a new lookup reaches it.
//
// Not encrypted: run nodes on a private network or through a tunnel.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <ringactor/actor.hpp>
#include <ringactor/actor_system.hpp>
#include <ringactor/expected.hpp>

#include "ringactor/remote/error.hpp"

namespace ringactor::remote {

struct node_config {
  /// This node's name, as peers see it (and lookup may name it).
  std::string name;
  /// The listener's address and port (0: a free one, see node::port()).
  std::string listen_address = "127.0.0.1";
  std::uint16_t listen_port = 0;
  /// UCX_TLS of the node's transport ("tcp,self": TCP and in-process).
  std::string transports = "tcp,self";
  /// UCX_NET_DEVICES ("lo" keeps TCP on the loopback interface).
  std::string net_devices;
  /// The shared cluster secret; both sides of a connection must know it.
  std::string cluster_secret;
  /// How often a heartbeat goes to every peer.
  std::chrono::milliseconds heartbeat_interval{250};
  /// A peer silent this long is down.
  std::chrono::milliseconds heartbeat_timeout{2000};
  /// A peer that has not finished the handshake this long after it
  /// connected is dropped.
  std::chrono::milliseconds handshake_timeout{3000};
};

/// Counters (any thread).
struct node_stats {
  std::uint64_t peers_authenticated = 0;
  std::uint64_t peers_refused = 0; ///< failed or abandoned the handshake
  std::uint64_t peers_down = 0;    ///< authenticated peers that failed later
  std::uint64_t messages_sent = 0; ///< sends and requests through proxies
  std::uint64_t messages_received = 0;
  std::uint64_t sends_refused = 0;  ///< dropped at the sender (type not serializable, node down)
  std::uint64_t frames_dropped = 0; ///< frames from a peer that were not delivered
};

class node {
public:
  /// Starts the transport (listening) and the heartbeat. The incarnation is
  /// fresh random per start. Errors: an empty name or secret, a transport
  /// that cannot start.
  static expected<std::unique_ptr<node>> start(actor_system& sys, node_config cfg);

  node(const node&) = delete;
  node& operator=(const node&) = delete;

  /// Stops the transport and the heartbeat; every proxy exits and every
  /// pending request ends with node_stopped.
  ~node();

  const std::string& name() const noexcept;
  std::uint64_t incarnation() const noexcept;
  std::uint16_t port() const noexcept;

  /// Makes `a` reachable by peers as `service` (replacing an earlier one).
  void publish(const actor& a, const std::string& service);

  /// The actor published as `service` on the node at `where`: an address
  /// "host:port" (connected if not yet) or the name of a node connected
  /// already. A proxy actor; errors: unknown_service, handshake_failed,
  /// node_down, lookup_timeout.
  expected<actor> lookup(const std::string& where, const std::string& service,
                         std::chrono::milliseconds timeout = std::chrono::seconds{5});

  node_stats stats() const noexcept;

  class impl;

private:
  explicit node(std::shared_ptr<impl> x);
  std::shared_ptr<impl> impl_;
};

} // namespace ringactor::remote
