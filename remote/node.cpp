// The node's life: start, stop, lookup, the handshake's first step, failure
// and the heartbeat (node_impl.hpp says how it is locked).
#include "node_impl.hpp"

#include <charconv>
#include <string_view>

namespace ringactor::remote {

using detail::clock;
using detail::decode_payload;
using detail::encode_payload;
using detail::frame_kind;
using detail::max_interface;
using detail::max_name;

// -- life --------------------------------------------------------------------------

expected<void> node::impl::start() {
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
  tc.preamble_key = cfg_.cluster_secret; // only the cluster's nodes reach UCX
  tc.spare_buffers = spare_buffers_;     // large frames reuse sent ones' memory
  // The handlers reach this impl through a weak pointer: the transport is
  // destroyed in stop(), before the impl, so they never see it gone.
  std::weak_ptr<impl> self = weak_from_this();
  auto t = transport::start(tc, {.on_accept =
                                   [self](peer_id p) {
                                     if (auto s = self.lock())
                                       s->on_accept(p);
                                   },
                                 .on_frame =
                                   [self](peer_id p, std::span<const std::byte> f) {
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
  // Sending device memory as it is, without staging, is not built: say so
  // where UCX could do it (a UCX built with CUDA; not Debian's).
  if (transport_->cuda_memory())
    log_info("remote node {}: UCX reports CUDA memory support; buffers in messages are still "
             "staged through host memory",
             cfg_.name);
  watcher_ = strong_actor_ptr{new export_watcher(sys_, weak_from_this()), false};
  heartbeat_ = std::thread{[this] { heartbeat_loop(); }};
  return {};
}

void node::impl::stop() {
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
  std::unordered_map<std::string, published> services;
  strong_actor_ptr watcher;
  {
    std::lock_guard guard{mtx_};
    services.swap(services_);
    watcher.swap(watcher_);
  }
}

expected<actor> node::impl::lookup(const std::string& where, const std::string& service,
                                   const std::string& interface,
                                   std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  std::unique_lock guard{mtx_};
  auto reached = reach(guard, where, deadline);
  if (!reached)
    return reached.error();
  auto peer = *reached;
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
  auto published_as = std::move(lookups_[id].interface);
  if (!lookups_[id].done && !peers_.contains(peer))
    result = error{errc::node_down, "the connection to " + where + " ended"};
  lookups_.erase(id);
  // An untyped publication cannot be checked; a typed one must match.
  if (result && !interface.empty() && !published_as.empty() && interface != published_as)
    return error{errc::interface_mismatch, fmt::format("{} on {} is {{{}}}, looked up as {{{}}}",
                                                       service, where, published_as, interface)};
  return result;
}

peer_id node::impl::find_peer(const std::string& where) {
  for (auto& [id, st] : peers_)
    if (st.authenticated && (st.theirs.node_name == where || st.address == where))
      return id;
  for (auto& [id, st] : peers_)
    if (st.address == where)
      return id;
  return 0;
}

expected<peer_id> node::impl::reach(std::unique_lock<std::mutex>& guard, const std::string& where,
                                    clock::time_point deadline) {
  if (stopped_)
    return error{errc::node_stopped};
  auto peer = find_peer(where);
  auto address = where;
  if (peer == 0 && where.find(':') == std::string::npos) {
    // A node name: the topology says where it listens.
    auto known = cfg_.topology ? cfg_.topology->find_node(where) : nullptr;
    if (known == nullptr)
      return error{errc::unknown_node,
                   where + " is neither a connected node nor a node of the topology"};
    address = known->endpoint();
    peer = find_peer(address);
  }
  if (peer == 0) {
    auto colon = address.rfind(':');
    auto host = address.substr(0, colon);
    std::uint16_t port = 0;
    auto digits = std::string_view{address}.substr(colon + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (ec != std::errc{} || end != digits.data() + digits.size() || port == 0)
      return error{sec::invalid_argument, "not host:port or a node name: " + where};
    {
      std::shared_lock use{transport_use_};
      peer = transport_->connect(host, port);
    }
    auto& st = peers_[peer];
    st.address = address;
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
  return peer;
}

bool node::impl::begin_handshake(peer_id peer, peer_state& st) {
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

void node::impl::refuse_peer(std::unique_lock<std::mutex>& guard, peer_id peer,
                             const std::string& why) {
  ++stats_.peers_refused;
  ++stats_.frames_dropped;
  peers_.erase(peer);
  guard.unlock();
  log_warn("remote node {}: peer {} refused: {}", cfg_.name, peer, why);
  close_peer(peer);
  cv_.notify_all();
}

strong_actor_ptr node::impl::proxy_for(peer_id peer, peer_state& st, actor_id remote) {
  if (auto i = st.proxies.find(remote); i != st.proxies.end())
    if (!i->second->is_exiting())
      return i->second;
  strong_actor_ptr p{new remote_proxy(sys_, shared_from_this(), peer, remote), false};
  p->set_name(fmt::format("remote proxy {}@{}", remote, st.theirs.node_name));
  st.proxies[remote] = p;
  return p;
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
  // The proxies exit before their requests are answered: whoever gets
  // node_down (a pool) finds the proxy exiting, so it takes the answer for
  // the worker's death, not for the worker's reply.
  for (auto& [id, p] : st.proxies)
    static_cast<remote_proxy*>(p.get())->kill(reason);
  for (auto& [call, pc] : st.calls)
    if (pc.requester)
      pc.requester->enqueue(make_mailbox_element(pc.proxy, pc.mid.response_id(), reason));
  end_spawned(st, reason);
}

void node::impl::heartbeat_loop() {
  std::unique_lock guard{mtx_};
  while (!stopped_) {
    // cv_ also wakes for authentications and lookups: wait out the interval.
    auto next_beat = clock::now() + cfg_.heartbeat_interval;
    if (cv_.wait_until(guard, next_beat, [this] { return stopped_; }))
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
  impl_->publish(a, service, {});
}

void node::publish_typed(const actor& a, const std::string& service, std::string interface) {
  impl_->publish(a, service, std::move(interface));
}

expected<actor> node::lookup(const std::string& where, const std::string& service,
                             std::chrono::milliseconds timeout) {
  return impl_->lookup(where, service, {}, timeout);
}

expected<actor> node::lookup_typed(const std::string& where, const std::string& service,
                                   const std::string& interface,
                                   std::chrono::milliseconds timeout) {
  return impl_->lookup(where, service, interface, timeout);
}

node_stats node::stats() const noexcept {
  return impl_->stats();
}

} // namespace ringactor::remote
