// ringactor k2k: a broker's endpoints: registration (each checked: a
// handle, a unique id and K2K address, a valid device channel capacity),
// unregistration, and the down message of one that exited; and the routes
// it keeps to destinations behind other brokers.

#include "broker_state.hpp"

#include <fmt/format.h>

namespace ringactor::k2k::detail {

result<void> broker_state::on_register(register_endpoint& x) {
  if (!x.endpoint)
    return error{errc::invalid_endpoint, x.kernel_id};
  if (x.kernel_id.empty())
    return error{errc::invalid_endpoint, "an endpoint needs a non-empty kernel id"};
  if (endpoints_.count(x.kernel_id) != 0)
    return error{errc::duplicate_endpoint, x.kernel_id};
  if (x.channel_capacity != 0 && !valid_channel_capacity(x.channel_capacity))
    return error{errc::invalid_endpoint,
                 fmt::format("'{}': a device channel capacity is a power of two in [2, {}], "
                             "not {}",
                             x.kernel_id, max_device_channel_capacity, x.channel_capacity)};
  if (auto other = routes_.name_with_address_of(x.kernel_id, endpoints_))
    return error{errc::duplicate_endpoint,
                 fmt::format("'{}' has the K2K address of '{}'", x.kernel_id, *other)};
  auto limit = x.max_in_flight != 0 ? x.max_in_flight : cfg_.max_in_flight;
  auto handle = x.endpoint;
  auto id = x.kernel_id;
  auto ep = endpoints_
              .try_emplace(id, id, std::move(x.endpoint), limit, ++last_generation_,
                           cfg_.queue_capacity)
              .first;
  ep->second.queue.track(metrics_.queued());
  routes_.endpoints_changed();
  links_->add(id, handle, x.channel_capacity);
  if (links_->retiring())
    schedule_expiry(); // broker routes this endpoint replaced
  // An endpoint that exits is unregistered (on_down); one that is already
  // gone yields a down message at once.
  self_->monitor(handle);
  return {};
}

result<void> broker_state::on_unregister(unregister_endpoint& x) {
  auto i = endpoints_.find(x.kernel_id);
  if (i == endpoints_.end())
    return error{errc::unknown_endpoint, x.kernel_id};
  remove_endpoint(i,
                  error{errc::unknown_endpoint, fmt::format("'{}' was unregistered", x.kernel_id)});
  return {};
}

void broker_state::on_down(down_msg& x) {
  for (auto i = endpoints_.begin(); i != endpoints_.end();) {
    if (i->second.handle.address() == x.source) {
      auto id = i->first;
      auto next = std::next(i);
      remove_endpoint(i, error{sec::dead_receiver, fmt::format("'{}' exited", id)});
      i = next;
    } else {
      ++i;
    }
  }
}

/// Removes an endpoint; its queued messages get not_found, those in flight
/// keep their pending confirmation.
void broker_state::remove_endpoint(endpoint_map::iterator i, error reason) {
  auto ep = std::move(i->second);
  endpoints_.erase(i);
  routes_.endpoints_changed();
  self_->demonitor(ep.handle);
  ep.queue.drain([&](queued_envelope q) { finish(q.env, delivery_status::not_found, reason); });
  links_->remove(ep.kernel_id);
  if (links_->retiring())
    schedule_expiry(); // the tick frees channels once the kernels let go
}

result<void> broker_state::on_add_route(add_route& x) {
  if (auto other = routes_.name_with_address_of(x.destination, endpoints_))
    return error{errc::duplicate_endpoint,
                 fmt::format("route '{}' has the K2K address of '{}'", x.destination, *other)};
  links_->add_routed(x.destination);
  routes_.add(std::move(x.destination), std::move(x.next_hop));
  return {};
}

result<void> broker_state::on_remove_route(remove_route& x) {
  if (!routes_.remove(x.destination))
    return error{errc::unknown_route, x.destination};
  links_->remove_routed(x.destination);
  if (links_->retiring())
    schedule_expiry(); // the kernels' broker routes to it retire
  return {};
}

} // namespace ringactor::k2k::detail
