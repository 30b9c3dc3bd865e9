// ringactor remote (private): the node's state (node::impl), its frames, and
// the actors it makes: proxies of remote actors, forwarders of remote
// requests' answers, the watcher of exported actors.
//
// Locking: mtx_ guards every table; nothing that may run actor code or take
// another lock (enqueue, finalize, add_monitor, dropping what may be a last
// reference to an actor, transport teardown) runs while it is held: such
// work is collected and done after unlocking.
//
// node.cpp: start, stop, lookup, handshake set-up, failure and heartbeat;
// node_messages.cpp: frames from peers and what proxies send;
// node_proxies.cpp: payload codecs and the proxy actors.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <ringactor/binary_format.hpp>
#include <ringactor/logger.hpp>
#include <ringactor/system_messages.hpp>
#include <ringactor/type_registry.hpp>

#include "buffer_frames.hpp"
#include "frame_codec.hpp"
#include "ringactor/remote/handshake.hpp"
#include "ringactor/remote/node.hpp"
#include "ringactor/remote/transport.hpp"

namespace ringactor::remote {

namespace detail {

using clock = std::chrono::steady_clock;

enum class frame_kind : std::uint8_t {
  hello = 1,
  proof = 2,
  lookup = 3,
  lookup_reply = 4,
  send = 5,
  request = 6,
  reply = 7,
  heartbeat = 8,
  down = 9,  // an exported actor exited: its id and reason
  exit = 10, // an exit_msg for an exported actor (send_exit, a link)
  // Remote spawn (node_spawn.cpp).
  spawn = 11,       // id, type name, the argument's stable id (0: none) and payload
  spawn_reply = 12, // id, ok; ok: actor id, interface; else the error
};
static_assert(static_cast<std::byte>(frame_kind::hello) == hello_frame
              && static_cast<std::byte>(frame_kind::proof) == proof_frame);

constexpr std::size_t max_name = 1024;
constexpr std::size_t max_interface = 64 * 1024;

/// The element of a payload of registered type `stable_id`, or the error;
/// its buffers allocated and filled per `policy` (buffer_frames.hpp).
expected<mailbox_element_ptr> decode_payload(std::uint64_t stable_id,
                                             std::span<const std::byte> payload,
                                             const buffer_policy& policy);

/// Appends the stable id, the buffer section and the binary form of `x`'s
/// payload, or the error naming the type (or a buffer's field).
expected<void> encode_payload(mailbox_element& x, frame_writer& w, const buffer_policy& policy);

/// Answers request `x` with `err` (nothing for a message that is not a request).
void answer_error(mailbox_element& x, const error& err);

} // namespace detail

// Private to the node's own files (this header is not installed).
using detail::answer_error;
using detail::clock;
using detail::frame_kind;

// -- proxies and reply forwarders -------------------------------------------------

/// The local stand-in for an actor on another node.
class remote_proxy final : public abstract_actor {
public:
  remote_proxy(actor_system& sys, std::shared_ptr<node::impl> n, peer_id peer, actor_id remote)
    : abstract_actor(sys), node_(std::move(n)), peer_(peer), remote_(remote) {}

  bool enqueue(mailbox_element_ptr x) override;

  /// Ends this proxy with `reason` (node_down): monitors and links learn it.
  void kill(const error& reason) {
    begin_exit(reason);
    finalize(reason);
  }

protected:
  void on_unreachable() override { finalize(error{}); }

private:
  std::shared_ptr<node::impl> node_;
  peer_id peer_;
  actor_id remote_;
};

/// The requester of a request that came from a peer: sends its answer back.
class reply_forwarder final : public abstract_actor {
public:
  reply_forwarder(actor_system& sys, std::shared_ptr<node::impl> n, peer_id peer,
                  std::uint64_t call)
    : abstract_actor(sys), node_(std::move(n)), peer_(peer), call_(call) {}

  bool enqueue(mailbox_element_ptr x) override;

protected:
  void on_unreachable() override;

private:
  std::shared_ptr<node::impl> node_;
  peer_id peer_;
  std::uint64_t call_;
  // Set by the first answer (or on_unreachable); exchange, acq_rel: one reply.
  std::atomic<bool> answered_{false};
};

/// Monitors the actors this node exported to peers: their exit goes to the
/// peers as a down frame, so that monitors and links of the proxies there
/// see it.
class export_watcher final : public abstract_actor {
public:
  export_watcher(actor_system& sys, std::weak_ptr<node::impl> n)
    : abstract_actor(sys), node_(std::move(n)) {}

  bool enqueue(mailbox_element_ptr x) override;

protected:
  void on_unreachable() override {}

private:
  std::weak_ptr<node::impl> node_;
};

// -- the node's state -------------------------------------------------------------

class node::impl : public std::enable_shared_from_this<node::impl> {
public:
  struct pending_call {
    strong_actor_ptr requester;
    message_id mid;
    strong_actor_ptr proxy;
  };

  struct lookup_wait {
    bool done = false;
    expected<actor> result{error{errc::lookup_timeout}};
    std::string interface; // as the publisher named it; empty: untyped
  };

  /// An actor published under a service name.
  struct published {
    strong_actor_ptr handle;
    std::string interface; // empty: published untyped
  };

  /// A peer: its handshake (handshake.hpp), then what it shares with us.
  struct peer_state : handshake_state {
    std::string address; // "host:port" when this side connected
    clock::time_point since = clock::now();
    clock::time_point last_seen = clock::now();
    // One proxy per remote actor while the peer is up, so that a remote
    // sender keeps one identity (a receiver may key state by it); released
    // when the peer goes down.
    std::unordered_map<actor_id, strong_actor_ptr> proxies;
    std::unordered_map<actor_id, strong_actor_ptr> exports;
    std::unordered_map<std::uint64_t, pending_call> calls;
    // Actors spawned at this peer's request (node_spawn.cpp): they end with
    // node_down when the peer goes down.
    std::unordered_map<actor_id, actor_addr> spawned;
  };

  impl(actor_system& sys, node_config cfg)
    : sys_(sys),
      cfg_(std::move(cfg)),
      buffers_{cfg_.max_message_size, cfg_.buffer_backend, cfg_.buffer_device} {}

  expected<void> start();

  void stop();

  // -- public operations --------------------------------------------------------

  void publish(const actor& a, const std::string& service, std::string interface) {
    published replaced{a.ctrl(), std::move(interface)}; // the old one, dropped after unlocking
    std::lock_guard guard{mtx_};
    std::swap(services_[service], replaced);
  }

  expected<actor> lookup(const std::string& where, const std::string& service,
                         const std::string& interface, std::chrono::milliseconds timeout);

  // -- topology and remote spawn (node_spawn.cpp) ------------------------------

  expected<actor> lookup_service(const std::string& service, const std::string& interface,
                                 std::chrono::milliseconds timeout);

  expected<actor> spawn(const std::string& where, const std::string& type, mailbox_element_ptr args,
                        const std::string& interface);

  node_stats stats() const noexcept {
    std::lock_guard guard{mtx_};
    auto out = stats_;
    out.frame_buffers_reused = spare_buffers_->reused();
    return out;
  }

  // -- used by proxies and forwarders -------------------------------------------

  /// Sends what a proxy got to the remote actor `remote` on `peer`.
  void forward(remote_proxy* proxy, peer_id peer, actor_id remote, mailbox_element_ptr x);

  /// Sends an exit_msg that a proxy got (send_exit, a link's exit) to the
  /// remote actor.
  void forward_exit(peer_id peer, actor_id remote, const exit_msg& m);

  /// An actor exported to peers exited: each peer that knows it learns why.
  void on_export_down(actor_id id, const error& reason);

  /// Sends the answer to call `call` back to `peer`.
  void send_reply(peer_id peer, std::uint64_t call, mailbox_element* x, const error* err);

  actor_system& system() noexcept { return sys_; }
  const node_config& config() const noexcept { return cfg_; }
  std::uint64_t incarnation() const noexcept { return incarnation_; }
  std::uint16_t port() const noexcept { return transport_->port(); }

  /// Queues `frame` for `peer` unless the transport is going away.
  void send_frame(peer_id peer, std::vector<std::byte> frame) {
    std::shared_lock use{transport_use_};
    if (!transport_closed_)
      transport_->send(peer, std::move(frame));
  }

  void close_peer(peer_id peer) {
    std::shared_lock use{transport_use_};
    if (!transport_closed_)
      transport_->close(peer);
  }

private:
  void refuse(mailbox_element& x, const error& why);

  static void bounce(mailbox_element& x, const error& why) { answer_error(x, why); }

  /// A peer id by node name or address; 0 if none. Requires mtx_.
  peer_id find_peer(const std::string& where);

  /// The authenticated peer at `where` (an address, a connected node's
  /// name, a topology node's name), connected if need be; waits on `guard`
  /// until `deadline`.
  expected<peer_id> reach(std::unique_lock<std::mutex>& guard, const std::string& where,
                          clock::time_point deadline);

  /// A spawn request from `peer`, and the answer to one of ours (node_spawn.cpp).
  void on_spawn(std::unique_lock<std::mutex>& guard, peer_id peer, peer_state& st,
                detail::frame_reader& r);
  bool on_spawn_reply(std::unique_lock<std::mutex>& guard, peer_id peer, peer_state& st,
                      detail::frame_reader& r);

  /// Whether `peer` is connected (takes mtx_).
  bool peers_contains(peer_id peer);

  /// Ends the actors a peer that went down had spawned here.
  static void end_spawned(peer_state& st, const error& reason);

  /// Sends our hello. Requires mtx_.
  bool begin_handshake(peer_id peer, peer_state& st);

  void on_accept(peer_id peer) {
    std::lock_guard guard{mtx_};
    if (stopped_)
      return;
    begin_handshake(peer, peers_[peer]);
  }

  /// Drops `peer` because it failed the handshake (or sent garbage).
  void refuse_peer(std::unique_lock<std::mutex>& guard, peer_id peer, const std::string& why);

  void on_frame(peer_id peer, std::span<const std::byte> f);
  void on_handshake_frame(std::unique_lock<std::mutex>& guard, peer_id peer, peer_state& st,
                          std::span<const std::byte> frame);
  void on_message(std::unique_lock<std::mutex>& guard, peer_id peer, peer_state& st,
                  frame_kind kind, detail::frame_reader& r);

public:
  void fail_peer(peer_id peer, const std::string& why, errc code = errc::node_down);

private:
  strong_actor_ptr proxy_for(peer_id peer, peer_state& st, actor_id remote);

  void heartbeat_loop();

  actor_system& sys_;
  node_config cfg_;
  // How payloads carry buffers (cfg_'s max_message_size, buffer_backend,
  // buffer_device); constant after construction.
  detail::buffer_policy buffers_;
  std::uint64_t incarnation_ = 0;
  // The transport: created in start(), destroyed in stop(). Callers on any
  // thread use it through send_frame and close_peer, under a shared lock of
  // transport_use_; stop() sets transport_closed_ under the exclusive lock
  // before destroying it, so no call is in flight or starts after.
  std::unique_ptr<transport> owner_;
  transport* transport_ = nullptr;
  std::shared_mutex transport_use_;
  bool transport_closed_ = false; // guarded by transport_use_
  // The vectors of large frames the transport finished sending: forward()
  // and send_reply() build their frames in one (outlives the transport).
  std::shared_ptr<frame_buffers> spare_buffers_ = std::make_shared<frame_buffers>();
  std::thread heartbeat_;
  mutable std::mutex mtx_;
  std::condition_variable cv_; // peers authenticated or gone, lookups answered, stop
  bool stopped_ = false;
  std::unordered_map<peer_id, peer_state> peers_;
  std::unordered_map<std::string, published> services_;
  std::unordered_map<std::uint64_t, lookup_wait> lookups_;
  // The actor that monitors exported actors, and which ones it watches.
  strong_actor_ptr watcher_;
  std::unordered_set<actor_id> watched_;
  std::uint64_t next_lookup_ = 0;
  std::uint64_t next_call_ = 0;
  node_stats stats_;
};

} // namespace ringactor::remote
