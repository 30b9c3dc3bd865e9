// ringactor remote: K2K routes across nodes. A broker on node B is made
// reachable by publishing an ingress for it; a broker on node A links to it
// through a bridge, an endpoint of A's broker that routes may name as their
// next hop:
//
//   // on node B
//   auto broker_b = k2k::spawn_broker(sys, {.clock = clock_b});
//   remote::publish_broker(*node_b, broker_b, "brokers/b");
//   // on node A
//   auto broker_a = k2k::spawn_broker(sys, {.clock = clock_a});
//   remote::link_broker(*node_a, broker_a, "node-b", "brokers/b", "to-b");
//   self->request(broker_a, 1s, k2k::add_route{"decoder-0", "to-b"}).receive(...);
//   self->request(broker_a, 10s, k2k::make_send("decoder-0", frame{42})).receive(...);
//
// A's broker hands the bridge an envelope as it would hand it to a local
// broker; the bridge sends it to B's ingress in the binary format (the
// payload by its registered type's stable id: a type without a binary form
// is refused, and the sender's receipt says so), the ingress hands it to
// B's broker, and the bridge answers A's broker once B's broker took it in
// (A's receipt: `forwarded`). Hop limits, priorities and both receipt
// policies hold end to end: B's broker checks the hop count and merges the
// envelope's HLC stamp into its clock (the receive rule; a stamp beyond
// its skew bound is `rejected` with clock_skew), the final receipt travels
// back to the sender from whichever broker decides, and the bridge merges
// its stamp into its clock. The delivery deadline travels as the time left.
//
// Node failure: while B is down (its process died or went silent past the
// heartbeat timeout), an envelope B had not taken in ends in an error
// receipt from A's broker (`rejected`, reason node_down), and one B took in
// but did not decide ends in a receipt `rejected` with reason node_down from
// the bridge: its outcome is unknown. Every message gets exactly one
// receipt. The bridge then exits (A's broker unregisters it: later sends to
// destinations behind it are not_found); link again once B is back.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include <ringactor/actor.hpp>
#include <ringactor/expected.hpp>
#include <ringactor/k2k/broker.hpp>
#include <ringactor/k2k/hlc.hpp>

#include "ringactor/remote/node.hpp"

namespace ringactor::remote {

/// How link_broker sets up its bridge.
struct k2k_link_options {
  /// How long the lookup of the ingress and the registration may take.
  std::chrono::milliseconds timeout{5000};
  /// Envelopes A's broker hands the bridge before B took the first of them
  /// in (register_endpoint::max_in_flight; 0: the broker's default).
  std::size_t max_in_flight = 0;
  /// The clock that merges the stamps of receipts coming back (the
  /// linked broker's clock, so that its later stamps follow them); null
  /// means k2k::process_clock().
  std::shared_ptr<k2k::hybrid_clock> clock = nullptr;
};

/// Publishes an ingress for `broker` on `n` as `service`: peers' bridges
/// (link_broker) hand their envelopes to it. The ingress exits with the
/// broker. Returns the ingress.
actor publish_broker(node& n, const k2k::broker& broker, const std::string& service);

/// Spawns a bridge to the broker published as `service` on the node at
/// `where` (a node name or "host:port", as node::lookup) and registers it in
/// `broker` as the endpoint `endpoint_id`, so that
/// `add_route{destination, endpoint_id}` sends destination's messages to
/// that broker. Errors: those of the lookup (unknown_service, node_down,
/// ...) and of the registration (duplicate_endpoint, ...). Returns the
/// bridge, which exits with `broker`, or with node_down when the peer fails.
expected<actor> link_broker(node& n, const k2k::broker& broker, const std::string& where,
                            const std::string& service, const std::string& endpoint_id,
                            k2k_link_options opts = {});

} // namespace ringactor::remote
