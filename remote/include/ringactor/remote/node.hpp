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

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include <ringactor/actor.hpp>
#include <ringactor/actor_system.hpp>
#include <ringactor/expected.hpp>
#include <ringactor/gpu/kernel_config.hpp>
#include <ringactor/interface.hpp>
#include <ringactor/mailbox_element.hpp>
#include <ringactor/type_registry.hpp>
#include <ringactor/typed_actor.hpp>

#include "ringactor/remote/error.hpp"
#include "ringactor/remote/topology.hpp"

namespace ringactor::remote {

class spawn_registry;

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

  // -- topology and remote spawn (topology.hpp, spawn_registry.hpp) --

  /// The cluster's topology: lookup(service) and lookups and spawns by a
  /// node name that is not connected yet find the node in it. Set by
  /// node::start(sys, topology, name).
  std::shared_ptr<const remote::topology> topology;
  /// The types this node can spawn at a peer's request ...
  std::shared_ptr<const spawn_registry> spawnable;
  /// ... and those of them peers may spawn (the [remote] key spawn_allow,
  /// node_config_keys.hpp). Empty: remote spawn is off.
  std::vector<std::string> spawn_allow;
  /// How long spawn waits for the other node's answer.
  std::chrono::milliseconds spawn_timeout{5000};

  // -- buffers in messages (gpu/shared_device_buffer.hpp) --

  /// The most bytes the shared_device_buffer fields of one message may
  /// hold together: a larger message is refused at the sender (an error
  /// naming the field), and a frame that claims more is refused here.
  std::size_t max_message_size = std::size_t{64} << 20;
  /// Where the buffers of arriving messages are allocated: this backend
  /// (automatic: CUDA when the build has it and a device exists, else host
  /// memory) ...
  kernel_backend buffer_backend = kernel_backend::automatic;
  /// ... on this CUDA device (ignored for host memory).
  int buffer_device = 0;
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
  std::uint64_t actors_spawned = 0; ///< spawned here at peers' requests
  std::uint64_t spawns_refused = 0; ///< peers' spawn requests refused or failed
  /// Frames built in the memory of an earlier large frame the transport had
  /// finished sending (frame_buffers.hpp), not in newly allocated memory.
  std::uint64_t frame_buffers_reused = 0;
};

namespace detail {

/// The stable name of T in an interface description ("void" for void).
template <class T>
std::string interface_type_name() {
  if constexpr (std::is_void_v<T>) {
    return "void";
  } else {
    if (auto e = type_registry::global().find(type_id_of<T>()))
      return e->name;
    return std::string{type_name_of<T>()};
  }
}

/// A typed interface as nodes compare it: its signatures as
/// "message->response" by stable names, sorted, joined by ";".
template <class... Sigs>
std::string interface_of(type_list<Sigs...>) {
  std::vector<std::string> xs{
    (interface_type_name<typename ringactor::detail::signature_trait<Sigs>::message_type>() + "->"
     + interface_type_name<typename ringactor::detail::signature_trait<Sigs>::response_type>())...};
  std::sort(xs.begin(), xs.end());
  std::string out;
  for (auto& x : xs)
    out += (out.empty() ? "" : ";") + x;
  return out;
}

} // namespace detail

class node {
public:
  /// Starts the transport (listening) and the heartbeat. The incarnation is
  /// fresh random per start. Errors: an empty name or secret, a transport
  /// that cannot start.
  static expected<std::unique_ptr<node>> start(actor_system& sys, node_config cfg);

  /// Starts the node named `name` of `topo` (its address, port, transports
  /// and spawn allow-list; the rest from `defaults`; the cluster secret
  /// from `defaults` or else the variable topo.secret_env names). Errors:
  /// a topology that does not validate, a name it does not list
  /// (unknown_node), no secret, a transport that cannot start.
  static expected<std::unique_ptr<node>> start(actor_system& sys, const remote::topology& topo,
                                               const std::string& name, node_config defaults = {});

  node(const node&) = delete;
  node& operator=(const node&) = delete;

  /// Stops the transport and the heartbeat; every proxy exits and every
  /// pending request ends with node_stopped. Destroy a node before its
  /// actor_system.
  ~node();

  const std::string& name() const noexcept;
  std::uint64_t incarnation() const noexcept;
  std::uint16_t port() const noexcept;

  /// Makes `a` reachable by peers as `service` (replacing an earlier one).
  void publish(const actor& a, const std::string& service);

  /// As publish(actor), naming `a`'s interface, so that a typed lookup
  /// checks it.
  template <class... Sigs>
  void publish(const typed_actor<Sigs...>& a, const std::string& service) {
    publish_typed(actor{a.ctrl()}, service, detail::interface_of(type_list<Sigs...>{}));
  }

  /// publish with an interface description (see detail::interface_of).
  void publish_typed(const actor& a, const std::string& service, std::string interface);

  /// The actor published as `service` on the node at `where`: an address
  /// "host:port" (connected if not yet), the name of a node connected
  /// already, or the name of a node of the topology (connected on demand).
  /// A proxy actor; errors: unknown_service, unknown_node,
  /// handshake_failed, node_down, lookup_timeout.
  expected<actor> lookup(const std::string& where, const std::string& service,
                         std::chrono::milliseconds timeout = std::chrono::seconds{5});

  /// As lookup, as a typed handle: `lookup<calculator>("node-b", "calc")`.
  /// An actor published typed with another interface is
  /// interface_mismatch (naming both); one published untyped is taken on
  /// trust (its handlers answer what they do not handle with
  /// unexpected_message).
  template <class Handle>
  expected<Handle> lookup(const std::string& where, const std::string& service,
                          std::chrono::milliseconds timeout = std::chrono::seconds{5}) {
    auto x = lookup_typed(where, service, detail::interface_of(typename Handle::signatures{}),
                          timeout);
    if (!x)
      return x.error();
    return Handle{x->ctrl()};
  }

  /// lookup with the interface the caller expects (empty: unchecked).
  expected<actor> lookup_typed(const std::string& where, const std::string& service,
                               const std::string& interface,
                               std::chrono::milliseconds timeout = std::chrono::seconds{5});

  /// The actor published as `service` on the node the topology names as
  /// its host (this node's own publication if it hosts it). Errors: no
  /// topology or no node hosting it (unknown_service), and lookup's.
  expected<actor> lookup(const std::string& service,
                         std::chrono::milliseconds timeout = std::chrono::seconds{5});

  /// As lookup(service), as a typed handle.
  template <class Handle>
  expected<Handle> lookup(const std::string& service,
                          std::chrono::milliseconds timeout = std::chrono::seconds{5}) {
    auto x = lookup_service(service, detail::interface_of(typename Handle::signatures{}), timeout);
    if (!x)
      return x.error();
    return Handle{x->ctrl()};
  }

  /// lookup(service) with the interface the caller expects (empty: unchecked).
  expected<actor> lookup_service(const std::string& service, const std::string& interface,
                                 std::chrono::milliseconds timeout);

  /// Spawns the type registered as `type` (spawn_registry) on the node at
  /// `where` (as lookup names it), with at most one argument (a registered
  /// type), and returns a proxy of the new actor. The actor lives while
  /// this node does: when this node goes down (stops, crashes, goes
  /// silent) the other node ends it with node_down. Errors:
  /// spawn_not_allowed, unknown_actor_type, interface_mismatch (a typed
  /// Handle), an argument error, and lookup's (node_down, unknown_node, ...).
  ///
  ///   auto a = (*n)->spawn<adder>("node-b", "adder");
  ///   auto b = (*n)->spawn<adder>("node-b", "offset_adder", adder_args{10});
  template <class Handle = actor, class... Args>
  expected<Handle> spawn(const std::string& where, const std::string& type, Args&&... args) {
    static_assert(sizeof...(Args) <= 1, "remote spawn takes at most one argument (a struct)");
    mailbox_element_ptr packed;
    if constexpr (sizeof...(Args) == 1)
      packed = make_mailbox_element(nullptr, message_id{}, std::forward<Args>(args)...);
    std::string interface;
    if constexpr (!std::is_same_v<Handle, actor>)
      interface = detail::interface_of(typename Handle::signatures{});
    auto x = spawn_untyped(where, type, std::move(packed), interface);
    if (!x)
      return x.error();
    return Handle{x->ctrl()};
  }

  /// spawn with the argument as a mailbox element (nullptr: none) and the
  /// interface the caller expects (empty: unchecked).
  expected<actor> spawn_untyped(const std::string& where, const std::string& type,
                                mailbox_element_ptr args, const std::string& interface);

  node_stats stats() const noexcept;

  class impl;

private:
  explicit node(std::shared_ptr<impl> x);
  std::shared_ptr<impl> impl_;
};

} // namespace ringactor::remote
