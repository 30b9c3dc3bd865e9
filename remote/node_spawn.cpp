// The topology's side of a node (start from a topology, lookup by service
// name) and remote spawn: a peer's request to spawn a registered type here,
// our requests to peers, and the lifetime of what peers spawned (it ends
// when the peer goes down). node_impl.hpp says how the node is locked.
#include <cstdlib>
#include <exception>

#include "node_impl.hpp"
#include "ringactor/remote/spawn_registry.hpp"

namespace ringactor::remote {

using detail::decode_payload;
using detail::encode_payload;
using detail::max_interface;
using detail::max_name;

namespace {

std::string joined(const std::vector<std::string>& xs) {
  std::string out;
  for (auto& x : xs)
    out += (out.empty() ? "" : ", ") + x;
  return out.empty() ? "none" : out;
}

/// Ends `a` (a spawned actor nobody can use any more) with `reason`.
void end_actor(const strong_actor_ptr& a, const error& reason) {
  if (a)
    a->enqueue(make_mailbox_element(nullptr, message_id::urgent(),
                                    exit_msg{actor_addr{}, reason, false}));
}

std::vector<std::byte> error_bytes(const error& e) {
  std::vector<std::byte> body;
  if (!to_bytes(e, body, wire_limits{}))
    body.clear();
  return body;
}

} // namespace

// -- lookup by service name ---------------------------------------------------------

expected<actor> node::impl::lookup_service(const std::string& service, const std::string& interface,
                                           std::chrono::milliseconds timeout) {
  auto topo = cfg_.topology;
  if (!topo)
    return error{errc::unknown_service, "node " + cfg_.name
                                          + " has no topology: name the node that publishes '"
                                          + service + "'"};
  auto host = topo->host_of(service);
  if (host == nullptr)
    return error{errc::unknown_service, "no node of the topology hosts '" + service + "'"};
  if (host->name != cfg_.name)
    return lookup(host->name, service, interface, timeout);
  // This node hosts it: its own publication.
  std::lock_guard guard{mtx_};
  auto i = services_.find(service);
  if (i == services_.end() || !i->second.handle)
    return error{errc::unknown_service, "the topology says node " + cfg_.name + " hosts '" + service
                                          + "', but it has not published it"};
  if (!interface.empty() && !i->second.interface.empty() && interface != i->second.interface)
    return error{errc::interface_mismatch,
                 fmt::format("{} on {} is {{{}}}, looked up as {{{}}}", service, cfg_.name,
                             i->second.interface, interface)};
  return actor{i->second.handle};
}

// -- our spawn requests -------------------------------------------------------------

expected<actor> node::impl::spawn(const std::string& where, const std::string& type,
                                  mailbox_element_ptr args, const std::string& interface) {
  detail::frame_writer packed;
  if (args) {
    if (auto r = encode_payload(*args, packed, buffers_); !r)
      return r.error();
  } else {
    packed.u64(0);
  }
  auto deadline = clock::now() + cfg_.spawn_timeout;
  std::unique_lock guard{mtx_};
  auto reached = reach(guard, where, deadline);
  if (!reached)
    return reached.error();
  auto peer = *reached;
  auto id = ++next_lookup_; // spawns wait in lookups_ too: the same answer
  lookups_[id];
  detail::frame_writer w;
  w.u8(static_cast<std::uint8_t>(frame_kind::spawn));
  w.u64(id);
  w.str(type);
  w.tail(packed.buffer());
  send_frame(peer, w.take());
  auto done = [&] { return lookups_[id].done || !peers_.contains(peer); };
  cv_.wait_until(guard, deadline, done);
  auto result = std::move(lookups_[id].result);
  auto spawned_as = std::move(lookups_[id].interface);
  auto answered = lookups_[id].done;
  lookups_.erase(id);
  guard.unlock();
  if (!answered)
    result = peers_contains(peer)
               ? error{errc::lookup_timeout,
                       "node " + where + " did not answer the spawn of '" + type + "' in time"}
               : error{errc::node_down, "the connection to " + where + " ended"};
  if (result && !interface.empty() && !spawned_as.empty() && interface != spawned_as) {
    error why{errc::interface_mismatch, fmt::format("{} on {} is {{{}}}, spawned as {{{}}}", type,
                                                    where, spawned_as, interface)};
    end_actor(result->ctrl(), why); // nobody here can use it
    return why;
  }
  return result;
}

bool node::impl::peers_contains(peer_id peer) {
  std::lock_guard guard{mtx_};
  return peers_.contains(peer);
}

bool node::impl::on_spawn_reply(std::unique_lock<std::mutex>& guard, peer_id peer, peer_state& st,
                                detail::frame_reader& r) {
  auto id = r.u64();
  auto ok = r.u8();
  if (r.failed())
    return false;
  expected<actor> result{error{sec::runtime_error, "no answer"}};
  std::string interface;
  if (ok != 0) {
    auto remote = r.u64();
    interface = r.str(max_interface);
    if (r.failed())
      return false;
    result = actor{proxy_for(peer, st, remote)};
  } else {
    error e;
    if (!from_bytes(r.tail(), e, wire_limits{}))
      return false;
    result = std::move(e);
  }
  auto i = lookups_.find(id);
  if (i == lookups_.end()) {
    // The spawn gave up waiting: the actor would live, unused, until this
    // node goes down.
    guard.unlock();
    if (result)
      end_actor(result->ctrl(), error{errc::lookup_timeout, "its spawn was given up"});
    return true;
  }
  i->second.done = true;
  i->second.result = std::move(result);
  i->second.interface = std::move(interface);
  guard.unlock();
  cv_.notify_all();
  return true;
}

// -- peers' spawn requests ----------------------------------------------------------

void node::impl::on_spawn(std::unique_lock<std::mutex>& guard, peer_id peer, peer_state& st,
                          detail::frame_reader& r) {
  auto id = r.u64();
  auto type = r.str(max_name);
  auto args_type = r.u64();
  auto payload = r.tail();
  auto asker = st.theirs.node_name;
  if (r.failed()) {
    ++stats_.frames_dropped;
    guard.unlock();
    log_warn("remote node {}: a malformed spawn frame from node {} dropped", cfg_.name, asker);
    return;
  }
  // The allow-list first: a peer learns nothing about the registered types
  // it may not spawn.
  error refused;
  const spawn_registry::entry* entry = nullptr;
  auto& allow = cfg_.spawn_allow;
  if (std::find(allow.begin(), allow.end(), type) == allow.end())
    refused = error{errc::spawn_not_allowed,
                    fmt::format("node {} does not let peers spawn '{}' (allowed: {})", cfg_.name,
                                type, joined(allow))};
  else if (!cfg_.spawnable || (entry = cfg_.spawnable->find(type)) == nullptr)
    refused = error{errc::unknown_actor_type,
                    fmt::format("node {} has no spawnable type '{}' (registered: {})", cfg_.name,
                                type, cfg_.spawnable ? joined(cfg_.spawnable->names()) : "none")};
  guard.unlock();
  // Spawning runs actor code (and takes other locks): never under mtx_.
  strong_actor_ptr made;
  if (!refused) {
    mailbox_element_ptr args;
    if (args_type != 0) {
      if (auto x = decode_payload(args_type, payload, buffers_))
        args = std::move(*x);
      else
        refused = x.error();
    }
    if (!refused) {
      try {
        auto x = entry->make(sys_, args.get());
        if (x)
          made = x->ctrl();
        else
          refused = x.error();
      } catch (const std::exception& e) {
        refused = error{sec::runtime_error, fmt::format("spawning '{}' threw: {}", type, e.what())};
      }
    }
  }
  detail::frame_writer w;
  w.u8(static_cast<std::uint8_t>(frame_kind::spawn_reply));
  w.u64(id);
  if (refused) {
    {
      std::lock_guard relock{mtx_};
      ++stats_.spawns_refused;
    }
    log_warn("remote node {}: node {} may not spawn '{}': {}", cfg_.name, asker, type,
             to_string(refused));
    w.u8(0);
    w.tail(error_bytes(refused));
    send_frame(peer, w.take());
    return;
  }
  guard.lock();
  auto i = peers_.find(peer);
  if (stopped_ || i == peers_.end()) {
    // The asker went down while we spawned: nobody will use the actor.
    guard.unlock();
    end_actor(made, error{errc::node_down, asker + ": down before its spawn was answered"});
    return;
  }
  i->second.exports.emplace(made->id(), made);
  i->second.spawned.emplace(made->id(), actor_addr{made.get()});
  auto watch = watched_.insert(made->id()).second;
  ++stats_.actors_spawned;
  guard.unlock();
  w.u8(1);
  w.u64(made->id());
  w.str(entry->interface);
  send_frame(peer, w.take());
  if (watch)
    made->add_monitor(actor_addr{watcher_.get()});
}

void node::impl::end_spawned(peer_state& st, const error& reason) {
  for (auto& [id, addr] : st.spawned)
    end_actor(addr.lock(), reason);
}

// -- node ---------------------------------------------------------------------------

expected<std::unique_ptr<node>> node::start(actor_system& sys, const remote::topology& topo,
                                            const std::string& name, node_config defaults) {
  if (auto ok = topo.validate(); !ok)
    return ok.error();
  auto own = topo.find_node(name);
  if (own == nullptr) {
    std::vector<std::string> names;
    for (auto& n : topo.nodes)
      names.push_back(n.name);
    return error{errc::unknown_node,
                 fmt::format("the topology has no node '{}' (it has: {})", name, joined(names))};
  }
  defaults.name = name;
  defaults.listen_address = own->address;
  defaults.listen_port = own->port;
  defaults.transports = own->transports;
  defaults.net_devices = own->net_devices;
  if (defaults.spawn_allow.empty())
    defaults.spawn_allow = own->spawn;
  if (defaults.cluster_secret.empty()) {
    const char* secret = std::getenv(topo.secret_env.c_str());
    if (secret == nullptr || *secret == '\0')
      return error{sec::invalid_argument, "cluster.secret_env: the environment variable '"
                                            + topo.secret_env + "' holds no cluster secret"};
    defaults.cluster_secret = secret;
  }
  defaults.topology = std::make_shared<const remote::topology>(topo);
  return start(sys, std::move(defaults));
}

expected<actor> node::lookup(const std::string& service, std::chrono::milliseconds timeout) {
  return impl_->lookup_service(service, {}, timeout);
}

expected<actor> node::lookup_service(const std::string& service, const std::string& interface,
                                     std::chrono::milliseconds timeout) {
  return impl_->lookup_service(service, interface, timeout);
}

expected<actor> node::spawn_untyped(const std::string& where, const std::string& type,
                                    mailbox_element_ptr args, const std::string& interface) {
  return impl_->spawn(where, type, std::move(args), interface);
}

} // namespace ringactor::remote
