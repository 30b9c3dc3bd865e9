// Frames from peers (the handshake, lookups, messages, replies, exits) and
// what proxies send (node_impl.hpp says how it is locked).
#include "node_impl.hpp"

namespace ringactor::remote {

using detail::clock;
using detail::decode_payload;
using detail::encode_payload;
using detail::frame_kind;
using detail::max_interface;
using detail::max_name;

// -- frames from peers ------------------------------------------------------------

void node::impl::on_frame(peer_id peer, std::span<const std::byte> f) {
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
    on_handshake_frame(guard, peer, st, f);
    return;
  }
  on_message(guard, peer, st, kind, r);
}

void node::impl::on_handshake_frame(std::unique_lock<std::mutex>& guard, peer_id peer,
                                    peer_state& st, std::span<const std::byte> frame) {
  using outcome = handshake_state::step::outcome;
  auto step = st.on_frame({cfg_.cluster_secret, incarnation_, type_registry::global().digest()},
                          frame);
  switch (step.what) {
    case outcome::reply: send_frame(peer, std::move(step.frame)); return;
    case outcome::refused: return refuse_peer(guard, peer, step.reason);
    case outcome::authenticated: break;
  }
  ++stats_.peers_authenticated;
  guard.unlock();
  log_info("remote node {}: peer {} is node {} (incarnation {:#x})", cfg_.name, peer,
           st.theirs.node_name, st.theirs.incarnation);
  cv_.notify_all();
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
      if (i == services_.end() || !i->second.handle || i->second.handle->is_exiting()) {
        w.u8(0);
        w.u64(0);
        w.str({});
      } else {
        exported = i->second.handle;
        w.u8(1);
        w.u64(exported->id());
        w.str(i->second.interface);
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
      auto interface = r.str(max_interface);
      if (r.failed())
        break;
      auto i = lookups_.find(id);
      if (i == lookups_.end())
        return; // the lookup gave up already
      i->second.done = true;
      i->second.interface = std::move(interface);
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
      auto x = decode_payload(type, payload, buffers_);
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
    case frame_kind::spawn: return on_spawn(guard, peer, st, r);
    case frame_kind::spawn_reply:
      if (on_spawn_reply(guard, peer, st, r))
        return;
      break;
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
        auto x = decode_payload(type, r.tail(), buffers_);
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

// -- what proxies send -----------------------------------------------------------

void node::impl::forward(remote_proxy* proxy, peer_id peer, actor_id remote,
                         mailbox_element_ptr x) {
  detail::frame_writer w{spare_buffers_->take()};
  bool request = x->mid.is_request();
  w.u8(static_cast<std::uint8_t>(request ? frame_kind::request : frame_kind::send));
  w.u64(remote);
  w.u64(x->sender ? x->sender->id() : 0);
  auto call_pos = w.buffer().size();
  w.u64(0); // the call id, filled below for a request
  if (auto r = encode_payload(*x, w, buffers_); !r) {
    refuse(*x, r.error());
    return;
  }
  std::unique_lock guard{mtx_};
  auto i = peers_.find(peer);
  if (stopped_ || i == peers_.end() || !i->second.authenticated) {
    ++stats_.sends_refused;
    auto code = stopped_ ? errc::node_stopped : errc::node_down;
    guard.unlock();
    // The peer is gone for good, and so is the proxy: it exits before the
    // answer goes out (as in fail_peer, which may not have reached it yet),
    // so that a pool takes node_down for its worker's death.
    error why{code};
    if (!proxy->is_exiting())
      proxy->kill(why);
    if (request)
      bounce(*x, why);
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

void node::impl::forward_exit(peer_id peer, actor_id remote, const exit_msg& m) {
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

void node::impl::on_export_down(actor_id id, const error& reason) {
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
      st.spawned.erase(id);
      if (st.authenticated)
        tell.push_back(pid);
    }
  }
  for (auto pid : tell)
    send_frame(pid, w.buffer());
}

void node::impl::send_reply(peer_id peer, std::uint64_t call, mailbox_element* x,
                            const error* err) {
  detail::frame_writer w{spare_buffers_->take()};
  w.u8(static_cast<std::uint8_t>(frame_kind::reply));
  w.u64(call);
  error e;
  if (err != nullptr) {
    e = *err;
  } else if (auto v = x->get_if<error>()) {
    e = *v;
  } else {
    w.u8(0);
    if (auto r = encode_payload(*x, w, buffers_); !r) {
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

void node::impl::refuse(mailbox_element& x, const error& why) {
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
} // namespace ringactor::remote
