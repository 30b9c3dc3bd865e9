// K2K links across nodes (ringactor/remote/k2k_link.hpp): publishing a
// broker's ingress, linking a broker to a remote one, and the receipt's
// wire form.
#include "ringactor/remote/k2k_link.hpp"

#include <fmt/format.h>

#include <ringactor/actor_system.hpp>
#include <ringactor/anon_send.hpp>
#include <ringactor/blocking_actor.hpp>

#include "k2k_wire.hpp"

namespace ringactor::remote {

namespace detail {

k2k_wire_receipt to_wire(std::uint64_t seq, const k2k::receipt& r) {
  return k2k_wire_receipt{seq,
                          to_wire(r.id),
                          static_cast<std::uint8_t>(r.status),
                          r.destination,
                          r.next_hop,
                          r.hops,
                          to_wire(r.stamp),
                          r.reason,
                          to_wire(r.trace)};
}

expected<k2k::receipt> from_wire(const k2k_wire_receipt& x) {
  if (x.status > static_cast<std::uint8_t>(k2k::delivery_status::rejected))
    return error{wire_errc::invalid_value,
                 fmt::format("a K2K receipt with delivery status {}, which this build does "
                             "not know",
                             x.status)};
  k2k::receipt r;
  r.id = from_wire(x.id);
  r.status = static_cast<k2k::delivery_status>(x.status);
  r.destination = x.destination;
  r.next_hop = x.next_hop;
  r.hops = x.hops;
  r.stamp = from_wire(x.stamp);
  r.reason = x.reason;
  r.trace = from_wire(x.trace);
  return r;
}

} // namespace detail

actor publish_broker(node& n, const k2k::broker& broker, const std::string& service) {
  auto ingress = detail::spawn_k2k_ingress(broker.ctrl()->system(), broker);
  n.publish(ingress, service);
  return ingress;
}

expected<actor> link_broker(node& n, const k2k::broker& broker, const std::string& where,
                            const std::string& service, const std::string& endpoint_id,
                            k2k_link_options opts) {
  if (!broker)
    return error{k2k::errc::invalid_endpoint, "link_broker needs a broker"};
  auto ingress = n.lookup(where, service, opts.timeout);
  if (!ingress)
    return ingress.error();
  auto& sys = broker.ctrl()->system();
  auto clock = opts.clock ? opts.clock : k2k::process_clock();
  auto bridge = detail::spawn_k2k_bridge(sys, *ingress, fmt::format("{}/{}", where, service),
                                         broker, std::move(clock));
  k2k::register_endpoint reg{endpoint_id, bridge, opts.max_in_flight};
  scoped_actor self{sys};
  if (auto r = self->request(broker, opts.timeout, std::move(reg)).get(); !r) {
    anon_send_exit(bridge, exit_reason::user_shutdown);
    return r.error();
  }
  return bridge;
}

} // namespace ringactor::remote
