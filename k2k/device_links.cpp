// ringactor k2k: setting up a broker's device links: a new endpoint's
// channels and route entries, routes to destinations behind the broker,
// and which links an endpoint's or a route's removal retires (the
// retirement itself is in device_link_retirement.cpp).
#include "device_links.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <utility>

#include "ringactor/logger.hpp"

namespace ringactor::k2k::detail {

namespace {

/// The order number of the next inbound entry published (k2k_inbound::order):
/// increasing across every broker of the process, so that a kernel claimed by
/// one broker after another still tells its older entries from newer ones.
std::uint64_t next_inbound_order() noexcept {
  static std::atomic<std::uint64_t> last{0};
  // Relaxed: only the numbers' order matters, and the publication of the
  // entry (release) carries the number to the kernel.
  return last.fetch_add(1, std::memory_order_relaxed) + 1;
}

template <std::size_t N>
int first_unused(const std::bitset<N>& used, std::size_t limit) {
  for (std::size_t i = 0; i < std::min(N, limit); ++i)
    if (!used.test(i))
      return static_cast<int>(i);
  return -1;
}

} // namespace

template <class Pred>
void device_links::retire_where(Pred pred, time_point now) {
  auto first = std::stable_partition(links_.begin(), links_.end(),
                                     [&](const link& x) { return !pred(x); });
  std::vector<link> gone(std::make_move_iterator(first), std::make_move_iterator(links_.end()));
  links_.erase(first, links_.end());
  for (auto& x : gone)
    retire(std::move(x), now, /*drain=*/true);
}

void device_links::add(const std::string& name, const actor& handle, std::uint32_t capacity) {
  std::lock_guard guard{mutex_};
  bool known = std::any_of(devices_.begin(), devices_.end(),
                           [&](const endpoint_ptr& d) { return d->id == handle.id(); });
  if (capacity == 0)
    capacity = default_capacity_;
  // An endpoint takes precedence over a route of the same name.
  if (is_routed(name))
    retire_where([&](const link& x) { return x.routed && x.to_name == name; },
                 std::chrono::steady_clock::now());
  // A kernel registered twice is a device endpoint under its first name only
  // (one route table, one identity).
  endpoint_ptr ep = known ? nullptr : retiring_endpoint(handle.id());
  if (ep) {
    // Registered again while its old channels retire: the same port, whose
    // entries still in use that object knows (we hold the claim already).
    ep->name = name;
    ep->address = k2k_address(name);
    ep->capacity = capacity;
    ep->base = port_counts(ep->ref());
  } else if (!known) {
    auto port = claim_kernel_port(handle.id(), this);
    if (port && port->mode != loop_mode::persistent) {
      // Launch mode: no loop runs between launches to poll channels or
      // acknowledge the table, so it is reached like a host actor.
      release_kernel_port(handle.id(), this);
      port.reset();
    }
    if (port) {
      ep = std::make_shared<device_endpoint>(name, handle.id(), std::move(*port), capacity, this);
      ep->base = port_counts(ep->ref());
    }
  }
  if (!ep) {
    host_endpoint h{name, handle.id(), k2k_address(name)};
    for (auto& d : devices_)
      host_route(d, h);
    hosts_.push_back(std::move(h));
    return;
  }
  ep->ref().set_identity(ep->address, node_);
  for (auto& d : devices_) {
    if (d->port.backend == ep->port.backend && d->port.device == ep->port.device) {
      connect(d, ep);
      connect(ep, d);
    } else {
      // A kernel elsewhere is reached through the host, both ways.
      host_route(d, host_endpoint{ep->name, ep->id, ep->address});
      host_route(ep, host_endpoint{d->name, d->id, d->address});
    }
  }
  for (auto& h : hosts_)
    host_route(ep, h);
  devices_.push_back(ep);
  for (auto& destination : routed_)
    if (!is_endpoint(destination))
      broker_route(ep, destination);
  ep->port.channel->control().wake();
}

void device_links::connect(const endpoint_ptr& from, const endpoint_ptr& to) {
  int route = first_unused(from->routes_used, k2k_max_routes);
  if (route < 0) {
    log_warn("k2k broker: no route from '{}' to '{}': the sender's route table is full", from->name,
             to->name);
    return;
  }
  int inbound = first_unused(to->inbound_used, k2k_max_inbound);
  if (inbound < 0) {
    log_info("k2k broker: '{}' reaches '{}' through the host: the receiver's {} inbound "
             "channels are taken",
             from->name, to->name, k2k_max_inbound);
    host_route(from, host_endpoint{to->name, to->id, to->address});
    return;
  }
  const auto slot_size = to->port.channel->geometry().slot_size;
  const auto capacity = to->capacity;
  links_.reserve(links_.size() + 1); // nothing may throw once the entries are published
  link x;
  x.from = from;
  x.to = to;
  x.to_name = to->name;
  x.capacity = capacity;
  try {
    const auto bytes = k2k_channel_bytes(capacity, slot_size);
    x.memory = allocate_k2k_channel(to->port.backend, to->port.device, bytes);
    // The channel's first image (a zero header, every slot free for the
    // first lap), built here and copied in before either kernel knows of the
    // channel: the release stores that publish the entries below order the
    // copy before their use.
    std::vector<std::byte> image(bytes);
    ring_view{image.data() + sizeof(k2k_channel_header), capacity, slot_size}.format();
    write_k2k_channel(x.memory, 0, image.data(), image.size());
  } catch (const std::exception& e) {
    log_warn("k2k broker: no device channel from '{}' to '{}' ({}); it goes through the host",
             from->name, to->name, e.what());
    host_route(from, host_endpoint{to->name, to->id, to->address});
    return;
  }
  auto* device_base = x.memory.device();
  k2k_inbound in;
  in.capacity = capacity;
  in.slot_size = slot_size;
  in.channel = reinterpret_cast<k2k_channel_header*>(device_base);
  in.slots = device_base + sizeof(k2k_channel_header);
  // The sender kernel itself, not its name: see k2k_inbound::order.
  in.source = from->id;
  in.order = next_inbound_order();
  k2k_route r;
  r.kind = static_cast<std::uint32_t>(k2k_route_kind::device);
  r.destination = to->address;
  r.channel = in.channel;
  r.slots = in.slots;
  r.wake = &to->port.channel->device_params().control->h2k_doorbell;
  r.capacity = capacity;
  r.slot_size = slot_size;
  // The receiver's input type id of each of the sender's outputs.
  auto& outputs = from->port.outputs;
  auto& inputs = to->port.inputs;
  for (std::size_t o = 0; o < std::min<std::size_t>(outputs.size(), k2k_max_outputs); ++o) {
    auto i = std::find(inputs.begin(), inputs.end(), outputs[o]);
    if (i != inputs.end() && i - inputs.begin() < 255)
      r.type_map[o] = static_cast<std::uint8_t>(i - inputs.begin() + 1);
  }
  // The receiver polls the channel before the sender can push to it.
  to->ref().publish_inbound(static_cast<std::uint32_t>(inbound), in);
  to->inbound_used.set(static_cast<std::size_t>(inbound));
  from->ref().publish_route(static_cast<std::uint32_t>(route), r);
  from->routes_used.set(static_cast<std::size_t>(route));
  to->port.channel->control().wake();
  from->port.channel->control().wake();
  x.route = route;
  x.inbound = inbound;
  links_.push_back(std::move(x));
}

void device_links::host_route(const endpoint_ptr& from, const host_endpoint& to) {
  k2k_route r;
  r.kind = static_cast<std::uint32_t>(k2k_route_kind::host);
  r.destination = to.address;
  r.host_receiver = to.id;
  publish_host_kind(from, r, to.name, false);
}

void device_links::broker_route(const endpoint_ptr& from, const std::string& destination) {
  k2k_route r;
  r.kind = static_cast<std::uint32_t>(k2k_route_kind::broker);
  r.destination = k2k_address(destination);
  r.host_receiver = broker_;
  publish_host_kind(from, r, destination, true);
}

void device_links::publish_host_kind(const endpoint_ptr& from, const k2k_route& r,
                                     const std::string& to_name, bool routed) {
  int route = first_unused(from->routes_used, k2k_max_routes);
  if (route < 0) {
    log_warn("k2k broker: no route from '{}' to '{}': the sender's route table is full", from->name,
             to_name);
    return;
  }
  links_.reserve(links_.size() + 1); // nothing may throw once the entry is published
  from->ref().publish_route(static_cast<std::uint32_t>(route), r);
  from->routes_used.set(static_cast<std::size_t>(route));
  from->port.channel->control().wake();
  link x;
  x.from = from;
  x.to_name = to_name;
  x.route = route;
  x.routed = routed;
  links_.push_back(std::move(x));
}

void device_links::add_routed(const std::string& destination) {
  std::lock_guard guard{mutex_};
  if (is_routed(destination))
    return;
  routed_.push_back(destination);
  if (is_endpoint(destination))
    return;
  for (auto& d : devices_)
    broker_route(d, destination);
}

void device_links::remove_routed(const std::string& destination) {
  std::lock_guard guard{mutex_};
  auto i = std::find(routed_.begin(), routed_.end(), destination);
  if (i == routed_.end())
    return;
  routed_.erase(i);
  auto now = std::chrono::steady_clock::now();
  retire_where([&](const link& x) { return x.routed && x.to_name == destination; }, now);
  collect_locked(now);
}

bool device_links::is_routed(const std::string& name) const {
  return std::find(routed_.begin(), routed_.end(), name) != routed_.end();
}

bool device_links::is_endpoint(const std::string& name) const {
  return std::any_of(devices_.begin(), devices_.end(),
                     [&](const endpoint_ptr& d) { return d->name == name; })
         || std::any_of(hosts_.begin(), hosts_.end(),
                        [&](const host_endpoint& h) { return h.name == name; });
}

void device_links::remove(const std::string& name) {
  std::lock_guard guard{mutex_};
  auto now = std::chrono::steady_clock::now();
  retire_where([&](const link& x) { return x.from->name == name || x.to_name == name; }, now);
  std::erase_if(hosts_, [&](const host_endpoint& h) { return h.name == name; });
  auto d = std::find_if(devices_.begin(), devices_.end(),
                        [&](const endpoint_ptr& ep) { return ep->name == name; });
  if (d != devices_.end()) {
    // Its sends so far stay counted. Read now, when the broker lets go of
    // it, not when it acknowledges (it may be registered again before):
    // a send it completes after this is not counted.
    add_to(retained_, sends_of(**d));
    // Retired links keep it (and its claim) until they are acknowledged.
    (*d)->ref().set_identity(0, 0);
    (*d)->port.channel->control().wake();
    devices_.erase(d);
  }
  // A route to the name applies again, now that no endpoint has it.
  if (is_routed(name))
    for (auto& dev_ep : devices_)
      broker_route(dev_ep, name);
  collect_locked(now);
}

} // namespace ringactor::k2k::detail
