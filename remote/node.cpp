// The node: handshake state per peer, proxies, exports, pending requests and
// the heartbeat. Locking: mtx_ guards every table; nothing that may run
// actor code or take another lock (enqueue, finalize, transport teardown)
// runs while it is held: such work is collected and done after unlocking.
#include "ringactor/remote/node.hpp"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <shared_mutex>
#include <unordered_set>
#include <thread>
#include <unordered_map>
#include <vector>

#include <ringactor/binary_format.hpp>
#include <ringactor/logger.hpp>
#include <ringactor/system_messages.hpp>
#include <ringactor/type_registry.hpp>

#include "frame_codec.hpp"
#include "ringactor/remote/handshake.hpp"
#include "ringactor/remote/transport.hpp"

namespace ringactor::remote {

namespace {

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
};

constexpr std::size_t max_name = 1024;

/// Takes the element a dynamic_message sends to it (the registry's codecs
/// hand a decoded value over as a dynamic_message); it then gets its real
/// sender and id.
class element_capture final : public abstract_actor {
public:
  explicit element_capture(actor_system& sys) : abstract_actor(sys) {}
  bool enqueue(mailbox_element_ptr x) override {
    captured_ = std::move(x);
    return true;
  }
  mailbox_element_ptr take() noexcept { return std::move(captured_); }

protected:
  void on_unreachable() override {}

private:
  mailbox_element_ptr captured_;
};

/// The element of a payload of registered type `stable_id`, or the error.
expected<mailbox_element_ptr> decode_payload(actor_system& sys, std::uint64_t stable_id,
                                             std::span<const std::byte> payload) {
  auto entry = type_registry::global().find_stable(stable_id);
  if (!entry || !entry->binary.load)
    return error{errc::not_serializable,
                 fmt::format("no registered type with stable id {:#x} here", stable_id)};
  auto msg = entry->binary.load(payload, wire_limits{});
  if (!msg)
    return msg.error();
  intrusive_ptr<element_capture> capture{new element_capture(sys), false};
  msg->anon_send(actor{strong_actor_ptr{capture.get()}});
  return capture->take();
}

/// Appends the stable id and binary form of `x`'s payload, or the error
/// naming the type.
expected<void> encode_payload(mailbox_element& x, detail::frame_writer& w) {
  auto entry = type_registry::global().find(x.type);
  if (!entry || !entry->named || !entry->binary.save)
    return error{errc::not_serializable,
                 fmt::format("type {} is not registered with a binary form (RINGACTOR_TYPE)",
                             x.type != nullptr ? x.type->name : std::string_view{"?"})};
  w.u64(entry->stable_id);
  std::vector<std::byte> body;
  if (auto r = entry->binary.save(x.payload(), body, wire_limits{}); !r)
    return r.error();
  w.tail(body);
  return {};
}

/// Answers request `x` with `err` (nothing for a message that is not a request).
void answer_error(mailbox_element& x, const error& err) {
  if (x.mid.is_request() && x.sender) {
    auto mid = x.mid.response_id();
    x.mid.mark_answered();
    x.sender->enqueue(make_mailbox_element(nullptr, mid, err));
  }
}

} // namespace

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
  };

  struct peer_state {
    bool authenticated = false;
    bool got_hello = false;
    bool got_proof = false;
    hello theirs;
    nonce own_nonce{};
    std::string address; // "host:port" when this side connected
    clock::time_point since = clock::now();
    clock::time_point last_seen = clock::now();
    // One proxy per remote actor while the peer is up, so that a remote
    // sender keeps one identity (a receiver may key state by it); released
    // when the peer goes down.
    std::unordered_map<actor_id, strong_actor_ptr> proxies;
    std::unordered_map<actor_id, strong_actor_ptr> exports;
    std::unordered_map<std::uint64_t, pending_call> calls;
  };

  impl(actor_system& sys, node_config cfg) : sys_(sys), cfg_(std::move(cfg)) {}

  expected<void> start() {
    incarnation_ = 0;
    while (incarnation_ == 0) {
      auto n = make_nonce();
      if (!n)
        return n.error();
      std::memcpy(&incarnation_, n->data(), sizeof(incarnation_));
    }
    transport_config tc;
    tc.listen_address = cfg_.listen_address;
    tc.listen_port = cfg_.listen_port;
    tc.transports = cfg_.transports;
    tc.net_devices = cfg_.net_devices;
    // The handlers reach this impl through a weak pointer: the transport is
    // destroyed in stop(), before the impl, so they never see it gone.
    std::weak_ptr<impl> self = weak_from_this();
    auto t = transport::start(tc, {.on_accept =
                                     [self](peer_id p) {
                                       if (auto s = self.lock())
                                         s->on_accept(p);
                                     },
                                   .on_frame =
                                     [self](peer_id p, std::vector<std::byte> f) {
                                       if (auto s = self.lock())
                                         s->on_frame(p, f);
                                     },
                                   .on_closed =
                                     [self](peer_id p, const std::string& why) {
                                       if (auto s = self.lock())
                                         s->fail_peer(p, "transport closed: " + why);
                                     }});
    if (!t)
      return t.error();
    owner_ = std::move(*t);
    transport_ = owner_.get();
    watcher_ = strong_actor_ptr{new export_watcher(sys_, weak_from_this()), false};
    heartbeat_ = std::thread{[this] { heartbeat_loop(); }};
    return {};
  }

  void stop() {
    {
      std::lock_guard guard{mtx_};
      if (stopped_)
        return;
      stopped_ = true;
    }
    cv_.notify_all();
    heartbeat_.join();
    {
      // Waits for every send in flight; later ones see the flag.
      std::unique_lock use{transport_use_};
      transport_closed_ = true;
    }
    owner_.reset(); // joins the progress thread: no handler runs after this
    std::vector<peer_id> ids;
    {
      std::lock_guard guard{mtx_};
      for (auto& [id, st] : peers_)
        ids.push_back(id);
    }
    for (auto id : ids)
      fail_peer(id, "the local node stopped", errc::node_stopped);
    // Released outside the lock: a last reference may end an actor, whose
    // down message reaches the watcher, which takes mtx_.
    std::unordered_map<std::string, strong_actor_ptr> services;
    strong_actor_ptr watcher;
    {
      std::lock_guard guard{mtx_};
      services.swap(services_);
      watcher.swap(watcher_);
    }
  }

  // -- public operations --------------------------------------------------------

  void publish(const actor& a, const std::string& service) {
    std::lock_guard guard{mtx_};
    services_[service] = a.ctrl();
  }

  expected<actor> lookup(const std::string& where, const std::string& service,
                         std::chrono::milliseconds timeout) {
    auto deadline = clock::now() + timeout;
    std::unique_lock guard{mtx_};
    if (stopped_)
      return error{errc::node_stopped};
    auto peer = find_peer(where);
    if (peer == 0) {
      auto colon = where.rfind(':');
      if (colon == std::string::npos)
        return error{errc::node_down, "no connected node named " + where};
      auto host = where.substr(0, colon);
      auto port = static_cast<std::uint16_t>(std::stoul(where.substr(colon + 1)));
      {
        std::shared_lock use{transport_use_};
        peer = transport_->connect(host, port);
      }
      auto& st = peers_[peer];
      st.address = where;
      if (!begin_handshake(peer, st))
        return error{errc::handshake_failed, "no nonce"};
    }
    auto authenticated = [&] {
      auto i = peers_.find(peer);
      return i == peers_.end() || i->second.authenticated;
    };
    if (!cv_.wait_until(guard, deadline, authenticated))
      return error{errc::lookup_timeout, "no handshake with " + where + " in time"};
    if (!peers_.contains(peer))
      return error{errc::handshake_failed, "the connection to " + where + " ended"};
    auto id = ++next_lookup_;
    lookups_[id];
    detail::frame_writer w;
    w.u8(static_cast<std::uint8_t>(frame_kind::lookup));
    w.u64(id);
    w.str(service);
    send_frame(peer, w.take());
    auto done = [&] { return lookups_[id].done || !peers_.contains(peer); };
    cv_.wait_until(guard, deadline, done);
    auto result = std::move(lookups_[id].result);
    if (!lookups_[id].done && !peers_.contains(peer))
      result = error{errc::node_down, "the connection to " + where + " ended"};
    lookups_.erase(id);
    return result;
  }

  node_stats stats() const noexcept {
    std::lock_guard guard{mtx_};
    return stats_;
  }

  // -- used by proxies and forwarders -------------------------------------------

  /// Sends what a proxy got to the remote actor `remote` on `peer`.
  void forward(remote_proxy* proxy, peer_id peer, actor_id remote, mailbox_element_ptr x) {
    detail::frame_writer w;
    bool request = x->mid.is_request();
    w.u8(static_cast<std::uint8_t>(request ? frame_kind::request : frame_kind::send));
    w.u64(remote);
    w.u64(x->sender ? x->sender->id() : 0);
    auto call_pos = w.buffer().size();
    w.u64(0); // the call id, filled below for a request
    if (auto r = encode_payload(*x, w); !r) {
      refuse(*x, r.error());
      return;
    }
    std::unique_lock guard{mtx_};
    auto i = peers_.find(peer);
    if (stopped_ || i == peers_.end() || !i->second.authenticated) {
      ++stats_.sends_refused;
      guard.unlock();
      if (request)
        bounce(*x, error{errc::node_down});
      return;
    }
    strong_actor_ptr watch;
    if (x->sender && !request) { // replies to a request come back as a reply frame
      i->second.exports.emplace(x->sender->id(), x->sender);
      if (watched_.insert(x->sender->id()).second)
        watch = x->sender;
    }
    if (request) {
      auto call = ++next_call_;
      for (int b = 0; b < 8; ++b)
        w.buffer()[call_pos + b] = static_cast<std::byte>(call >> (8 * b));
      i->second.calls.emplace(call,
                              pending_call{std::move(x->sender), x->mid, strong_actor_ptr{proxy}});
    }
    ++stats_.messages_sent;
    guard.unlock();
    send_frame(peer, w.take());
    if (watch)
      watch->add_monitor(actor_addr{watcher_.get()});
  }

  /// Sends an exit_msg that a proxy got (send_exit, a link's exit) to the
  /// remote actor.
  void forward_exit(peer_id peer, actor_id remote, const exit_msg& m) {
    auto source = m.source.lock();
    detail::frame_writer w;
    w.u8(static_cast<std::uint8_t>(frame_kind::exit));
    w.u64(remote);
    w.u64(source ? source->id() : 0);
    w.u8(m.from_link ? 1 : 0);
    std::vector<std::byte> body;
    if (!to_bytes(m.reason, body, wire_limits{}))
      body.clear();
    w.tail(body);
    std::unique_lock guard{mtx_};
    auto i = peers_.find(peer);
    if (stopped_ || i == peers_.end() || !i->second.authenticated)
      return;
    bool watch = false;
    if (source) {
      i->second.exports.emplace(source->id(), source);
      watch = watched_.insert(source->id()).second;
    }
    guard.unlock();
    send_frame(peer, w.take());
    if (watch)
      source->add_monitor(actor_addr{watcher_.get()});
  }

  /// An actor exported to peers exited: each peer that knows it learns why.
  void on_export_down(actor_id id, const error& reason) {
    detail::frame_writer w;
    w.u8(static_cast<std::uint8_t>(frame_kind::down));
    w.u64(id);
    std::vector<std::byte> body;
    if (!to_bytes(reason, body, wire_limits{}))
      body.clear();
    w.tail(body);
    std::vector<peer_id> tell;
    std::vector<strong_actor_ptr> released; // dropped after unlocking
    {
      std::lock_guard guard{mtx_};
      if (stopped_)
        return;
      watched_.erase(id);
      for (auto& [pid, st] : peers_) {
        auto i = st.exports.find(id);
        if (i == st.exports.end())
          continue;
        released.push_back(std::move(i->second));
        st.exports.erase(i);
        if (st.authenticated)
          tell.push_back(pid);
      }
    }
    for (auto pid : tell)
      send_frame(pid, w.buffer());
  }

  /// Sends the answer to call `call` back to `peer`.
  void send_reply(peer_id peer, std::uint64_t call, mailbox_element* x, const error* err) {
    detail::frame_writer w;
    w.u8(static_cast<std::uint8_t>(frame_kind::reply));
    w.u64(call);
    error e;
    if (err != nullptr) {
      e = *err;
    } else if (auto v = x->get_if<error>()) {
      e = *v;
    } else {
      w.u8(0);
      if (auto r = encode_payload(*x, w); !r) {
        e = r.error();
        w = detail::frame_writer{};
        w.u8(static_cast<std::uint8_t>(frame_kind::reply));
        w.u64(call);
      }
    }
    if (e) {
      w.u8(1);
      std::vector<std::byte> body;
      if (!to_bytes(e, body, wire_limits{}))
        body.clear();
      w.tail(body);
    }
    std::unique_lock guard{mtx_};
    if (stopped_ || !peers_.contains(peer))
      return;
    guard.unlock();
    send_frame(peer, w.take());
  }

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
  void refuse(mailbox_element& x, const error& why) {
    {
      std::lock_guard guard{mtx_};
      ++stats_.sends_refused;
    }
    if (x.mid.is_request()) {
      answer_error(x, why);
    } else {
      log_warn("remote node {}: a send dropped at the sender: {}", cfg_.name, to_string(why));
    }
  }

  static void bounce(mailbox_element& x, const error& why) { answer_error(x, why); }

  /// A peer id by node name or address; 0 if none. Requires mtx_.
  peer_id find_peer(const std::string& where) {
    for (auto& [id, st] : peers_)
      if (st.authenticated && (st.theirs.node_name == where || st.address == where))
        return id;
    for (auto& [id, st] : peers_)
      if (st.address == where)
        return id;
    return 0;
  }

  /// Sends our hello. Requires mtx_.
  bool begin_handshake(peer_id peer, peer_state& st) {
    auto n = make_nonce();
    if (!n)
      return false;
    st.own_nonce = *n;
    detail::frame_writer w;
    w.u8(static_cast<std::uint8_t>(frame_kind::hello));
    w.u32(protocol_version);
    w.str(cfg_.name);
    w.u64(incarnation_);
    w.u64(type_registry::global().digest());
    w.tail(st.own_nonce);
    send_frame(peer, w.take());
    return true;
  }

  void on_accept(peer_id peer) {
    std::lock_guard guard{mtx_};
    if (stopped_)
      return;
    begin_handshake(peer, peers_[peer]);
  }

  /// Drops `peer` because it failed the handshake (or sent garbage).
  void refuse_peer(std::unique_lock<std::mutex>& guard, peer_id peer, const std::string& why) {
    ++stats_.peers_refused;
    ++stats_.frames_dropped;
    peers_.erase(peer);
    guard.unlock();
    log_warn("remote node {}: peer {} refused: {}", cfg_.name, peer, why);
    close_peer(peer);
    cv_.notify_all();
  }

  void on_frame(peer_id peer, const std::vector<std::byte>& f);
  void on_handshake_frame(std::unique_lock<std::mutex>& guard, peer_id peer, peer_state& st,
                          frame_kind kind, detail::frame_reader& r);
  void on_message(std::unique_lock<std::mutex>& guard, peer_id peer, peer_state& st,
                  frame_kind kind, detail::frame_reader& r);

public:
  void fail_peer(peer_id peer, const std::string& why, errc code = errc::node_down);

private:
  strong_actor_ptr proxy_for(peer_id peer, peer_state& st, actor_id remote) {
    if (auto i = st.proxies.find(remote); i != st.proxies.end())
      if (!i->second->is_exiting())
        return i->second;
    strong_actor_ptr p{new remote_proxy(sys_, shared_from_this(), peer, remote), false};
    p->set_name(fmt::format("remote proxy {}@{}", remote, st.theirs.node_name));
    st.proxies[remote] = p;
    return p;
  }

  void heartbeat_loop();

  actor_system& sys_;
  node_config cfg_;
  std::uint64_t incarnation_ = 0;
  // The transport: created in start(), destroyed in stop(). Callers on any
  // thread use it through send_frame and close_peer, under a shared lock of
  // transport_use_; stop() sets transport_closed_ under the exclusive lock
  // before destroying it, so no call is in flight or starts after.
  std::unique_ptr<transport> owner_;
  transport* transport_ = nullptr;
  std::shared_mutex transport_use_;
  bool transport_closed_ = false; // guarded by transport_use_
  std::thread heartbeat_;
  mutable std::mutex mtx_;
  std::condition_variable cv_; // peers authenticated or gone, lookups answered, stop
  bool stopped_ = false;
  std::unordered_map<peer_id, peer_state> peers_;
  std::unordered_map<std::string, strong_actor_ptr> services_;
  std::unordered_map<std::uint64_t, lookup_wait> lookups_;
  // The actor that monitors exported actors, and which ones it watches.
  strong_actor_ptr watcher_;
  std::unordered_set<actor_id> watched_;
  std::uint64_t next_lookup_ = 0;
  std::uint64_t next_call_ = 0;
  node_stats stats_;
};

// -- frames from peers ------------------------------------------------------------

void node::impl::on_frame(peer_id peer, const std::vector<std::byte>& f) {
  std::unique_lock guard{mtx_};
  if (stopped_)
    return;
  auto i = peers_.find(peer);
  if (i == peers_.end()) {
    ++stats_.frames_dropped; // a refused peer's frames still in flight
    return;
  }
  auto& st = i->second;
  st.last_seen = clock::now();
  detail::frame_reader r{f};
  auto kind = static_cast<frame_kind>(r.u8());
  if (!st.authenticated) {
    on_handshake_frame(guard, peer, st, kind, r);
    return;
  }
  on_message(guard, peer, st, kind, r);
}

void node::impl::on_handshake_frame(std::unique_lock<std::mutex>& guard, peer_id peer,
                                    peer_state& st, frame_kind kind, detail::frame_reader& r) {
  if (kind == frame_kind::hello && !st.got_hello) {
    st.theirs.version = r.u32();
    if (r.failed() || st.theirs.version != protocol_version)
      return refuse_peer(guard, peer,
                         fmt::format("protocol version {} (this node speaks {})", st.theirs.version,
                                     protocol_version));
    st.theirs.node_name = r.str(max_name);
    st.theirs.incarnation = r.u64();
    st.theirs.schema_digest = r.u64();
    auto n = r.tail();
    if (r.failed() || n.size() != st.theirs.nonce.size())
      return refuse_peer(guard, peer, "a malformed hello");
    std::memcpy(st.theirs.nonce.data(), n.data(), n.size());
    auto own_digest = type_registry::global().digest();
    if (st.theirs.schema_digest != own_digest)
      return refuse_peer(guard, peer,
                         fmt::format("node {} has schema digest {:#x}, this node {:#x}",
                                     st.theirs.node_name, st.theirs.schema_digest, own_digest));
    st.got_hello = true;
    auto p = make_proof(cfg_.cluster_secret, st.theirs.nonce, st.own_nonce, incarnation_);
    detail::frame_writer w;
    w.u8(static_cast<std::uint8_t>(frame_kind::proof));
    w.tail(p);
    send_frame(peer, w.take());
    return;
  }
  if (kind == frame_kind::proof && st.got_hello) {
    auto bytes = r.tail();
    proof p{};
    if (bytes.size() != p.size())
      return refuse_peer(guard, peer, "a malformed proof");
    std::memcpy(p.data(), bytes.data(), p.size());
    if (!check_proof(cfg_.cluster_secret, st.own_nonce, st.theirs.nonce, st.theirs.incarnation, p))
      return refuse_peer(guard, peer,
                         fmt::format("node {} does not prove the cluster secret (wrong secret)",
                                     st.theirs.node_name));
    st.authenticated = true;
    ++stats_.peers_authenticated;
    guard.unlock();
    log_info("remote node {}: peer {} is node {} (incarnation {:#x})", cfg_.name, peer,
             st.theirs.node_name, st.theirs.incarnation);
    cv_.notify_all();
    return;
  }
  refuse_peer(guard, peer,
              fmt::format("a frame of kind {} before the handshake completed",
                          static_cast<unsigned>(kind)));
}

void node::impl::on_message(std::unique_lock<std::mutex>& guard, peer_id peer, peer_state& st,
                            frame_kind kind, detail::frame_reader& r) {
  switch (kind) {
    case frame_kind::heartbeat: return;
    case frame_kind::lookup: {
      auto id = r.u64();
      auto service = r.str(max_name);
      if (r.failed())
        break;
      detail::frame_writer w;
      w.u8(static_cast<std::uint8_t>(frame_kind::lookup_reply));
      w.u64(id);
      auto i = services_.find(service);
      strong_actor_ptr exported;
      if (i == services_.end() || !i->second || i->second->is_exiting()) {
        w.u8(0);
        w.u64(0);
      } else {
        w.u8(1);
        w.u64(i->second->id());
        exported = i->second;
        st.exports.emplace(exported->id(), exported);
      }
      auto watch = exported && watched_.insert(exported->id()).second;
      guard.unlock();
      send_frame(peer, w.take());
      if (watch)
        exported->add_monitor(actor_addr{watcher_.get()});
      return;
    }
    case frame_kind::lookup_reply: {
      auto id = r.u64();
      auto found = r.u8();
      auto remote = r.u64();
      auto i = lookups_.find(id);
      if (r.failed() || i == lookups_.end())
        break;
      i->second.done = true;
      if (found == 0)
        i->second.result = error{errc::unknown_service};
      else
        i->second.result = actor{proxy_for(peer, st, remote)};
      guard.unlock();
      cv_.notify_all();
      return;
    }
    case frame_kind::send:
    case frame_kind::request: {
      auto target_id = r.u64();
      auto sender_id = r.u64();
      auto call = r.u64();
      auto type = r.u64();
      auto payload = r.tail();
      if (r.failed())
        break;
      strong_actor_ptr target;
      if (auto i = st.exports.find(target_id); i != st.exports.end())
        target = i->second;
      strong_actor_ptr sender;
      if (kind == frame_kind::request)
        sender = strong_actor_ptr{new reply_forwarder(sys_, shared_from_this(), peer, call), false};
      else if (sender_id != 0)
        sender = proxy_for(peer, st, sender_id);
      ++stats_.messages_received;
      guard.unlock();
      auto x = decode_payload(sys_, type, payload);
      if (!x || !target) {
        auto err = x ? error{sec::dead_receiver} : x.error();
        if (kind == frame_kind::request) {
          static_cast<reply_forwarder*>(sender.get())
            ->enqueue(make_mailbox_element(nullptr, message_id::make_request(call).response_id(),
                                           err));
        } else {
          log_warn("remote node {}: a message from {} not delivered: {}", cfg_.name,
                   st.theirs.node_name, to_string(err));
        }
        return;
      }
      (*x)->sender = std::move(sender);
      (*x)->mid = kind == frame_kind::request ? message_id::make_request(call) : message_id{};
      target->enqueue(std::move(*x));
      return;
    }
    case frame_kind::down: {
      auto id = r.u64();
      error reason;
      if (r.failed() || !from_bytes(r.tail(), reason, wire_limits{}))
        break;
      auto i = st.proxies.find(id);
      if (i == st.proxies.end())
        return; // nobody here holds a proxy for it any more
      auto p = std::move(i->second);
      st.proxies.erase(i);
      guard.unlock();
      static_cast<remote_proxy*>(p.get())->kill(reason);
      return;
    }
    case frame_kind::exit: {
      auto target_id = r.u64();
      auto source_id = r.u64();
      auto from_link = r.u8() != 0;
      error reason;
      if (r.failed() || !from_bytes(r.tail(), reason, wire_limits{}))
        break;
      strong_actor_ptr target;
      if (auto i = st.exports.find(target_id); i != st.exports.end())
        target = i->second;
      strong_actor_ptr source;
      if (source_id != 0)
        source = proxy_for(peer, st, source_id);
      guard.unlock();
      if (target)
        target->enqueue(make_mailbox_element(
          nullptr, message_id::urgent(), exit_msg{actor_addr{source.get()}, reason, from_link}));
      return;
    }
    case frame_kind::reply: {
      auto call = r.u64();
      auto is_error = r.u8();
      auto i = st.calls.find(call);
      if (r.failed() || i == st.calls.end())
        break;
      auto pc = std::move(i->second);
      st.calls.erase(i);
      guard.unlock();
      mailbox_element_ptr answer;
      auto mid = pc.mid.response_id();
      if (is_error != 0) {
        error e;
        if (!from_bytes(r.tail(), e, wire_limits{}))
          e = error{errc::malformed_frame, "an error reply that does not decode"};
        answer = make_mailbox_element(pc.proxy, mid, std::move(e));
      } else {
        auto type = r.u64();
        auto x = decode_payload(sys_, type, r.tail());
        if (x) {
          answer = std::move(*x);
          answer->sender = pc.proxy;
          answer->mid = mid;
        } else {
          answer = make_mailbox_element(pc.proxy, mid, x.error());
        }
      }
      if (pc.requester)
        pc.requester->enqueue(std::move(answer));
      return;
    }
    default: break;
  }
  ++stats_.frames_dropped;
  auto name = st.theirs.node_name;
  guard.unlock();
  log_warn("remote node {}: a malformed frame (kind {}) from node {} dropped", cfg_.name,
           static_cast<unsigned>(kind), name);
}

// -- failure ------------------------------------------------------------------------

void node::impl::fail_peer(peer_id peer, const std::string& why, errc code) {
  peer_state st;
  {
    std::lock_guard guard{mtx_};
    auto i = peers_.find(peer);
    if (i == peers_.end())
      return;
    st = std::move(i->second);
    peers_.erase(i);
    if (st.authenticated)
      ++stats_.peers_down;
    else
      ++stats_.peers_refused;
  }
  cv_.notify_all();
  if (st.authenticated)
    log_warn("remote node {}: node {} (incarnation {:#x}) is down: {}", cfg_.name,
             st.theirs.node_name, st.theirs.incarnation, why);
  else
    log_warn("remote node {}: peer {} dropped before the handshake completed: {}", cfg_.name, peer,
             why);
  close_peer(peer);
  error reason{code, st.theirs.node_name + ": " + why};
  for (auto& [call, pc] : st.calls)
    if (pc.requester)
      pc.requester->enqueue(make_mailbox_element(pc.proxy, pc.mid.response_id(), reason));
  for (auto& [id, p] : st.proxies)
    static_cast<remote_proxy*>(p.get())->kill(reason);
}

void node::impl::heartbeat_loop() {
  std::unique_lock guard{mtx_};
  while (!stopped_) {
    cv_.wait_for(guard, cfg_.heartbeat_interval);
    if (stopped_)
      return;
    auto now = clock::now();
    std::vector<peer_id> beat;
    std::vector<std::pair<peer_id, std::string>> dead;
    for (auto& [id, st] : peers_) {
      if (st.authenticated && now - st.last_seen > cfg_.heartbeat_timeout)
        dead.emplace_back(id, fmt::format("silent for {} ms (heartbeat timeout)",
                                          cfg_.heartbeat_timeout.count()));
      else if (!st.authenticated && now - st.since > cfg_.handshake_timeout)
        dead.emplace_back(id, "no handshake in time");
      else if (st.authenticated)
        beat.push_back(id);
    }
    guard.unlock();
    for (auto id : beat) {
      detail::frame_writer w;
      w.u8(static_cast<std::uint8_t>(frame_kind::heartbeat));
      send_frame(id, w.take());
    }
    for (auto& [id, why] : dead)
      fail_peer(id, why);
    guard.lock();
  }
}

// -- proxies and forwarders ----------------------------------------------------------

bool remote_proxy::enqueue(mailbox_element_ptr x) {
  if (is_exiting()) {
    answer_error(*x, unanswered_error(exit_reason()));
    return false;
  }
  if (auto m = x->get_if<exit_msg>()) {
    node_->forward_exit(peer_, remote_, *m);
    return true;
  }
  node_->forward(this, peer_, remote_, std::move(x));
  return true;
}

bool export_watcher::enqueue(mailbox_element_ptr x) {
  if (auto d = x->get_if<down_msg>())
    if (auto n = node_.lock())
      n->on_export_down(d->source.id(), d->reason);
  return true;
}

bool reply_forwarder::enqueue(mailbox_element_ptr x) {
  if (!x->mid.is_response())
    return false;
  if (answered_.exchange(true, std::memory_order_acq_rel))
    return false;
  node_->send_reply(peer_, call_, x.get(), nullptr);
  return true;
}

void reply_forwarder::on_unreachable() {
  // Pairs with the exchange in enqueue(): the receiver dropped the request.
  if (answered_.exchange(true, std::memory_order_acq_rel))
    return;
  error err{sec::broken_promise, "the remote receiver dropped the request unanswered"};
  node_->send_reply(peer_, call_, nullptr, &err);
}

// -- node ---------------------------------------------------------------------------

expected<std::unique_ptr<node>> node::start(actor_system& sys, node_config cfg) {
  if (cfg.name.empty())
    return error{sec::invalid_argument, "a node needs a name"};
  if (cfg.cluster_secret.empty())
    return error{sec::invalid_argument, "a node needs a cluster secret"};
  remote_category(); // known by name before a peer's error of it arrives
  auto x = std::make_shared<impl>(sys, std::move(cfg));
  if (auto r = x->start(); !r)
    return r.error();
  return std::unique_ptr<node>{new node(std::move(x))};
}

node::node(std::shared_ptr<impl> x) : impl_(std::move(x)) {}

node::~node() {
  impl_->stop();
}

const std::string& node::name() const noexcept {
  return impl_->config().name;
}

std::uint64_t node::incarnation() const noexcept {
  return impl_->incarnation();
}

std::uint16_t node::port() const noexcept {
  return impl_->port();
}

void node::publish(const actor& a, const std::string& service) {
  impl_->publish(a, service);
}

expected<actor> node::lookup(const std::string& where, const std::string& service,
                             std::chrono::milliseconds timeout) {
  return impl_->lookup(where, service, timeout);
}

node_stats node::stats() const noexcept {
  return impl_->stats();
}

} // namespace ringactor::remote
