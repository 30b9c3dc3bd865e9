// ringactor remote (internal): the messages of a K2K link between a bridge
// (on the sending node) and a broker's ingress (on the receiving node), see
// ringactor/remote/k2k_link.hpp. They travel as ordinary remote messages in
// the binary format, so both ends must be equal builds (the handshake's
// schema digest covers them). Every message names the bridge's sequence
// number of the envelope: one envelope may pass the same link twice (a
// routing loop), so the envelope id alone would not identify the transit.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <ringactor/error.hpp>
#include <ringactor/k2k/broker.hpp>
#include <ringactor/k2k/envelope.hpp>
#include <ringactor/k2k/receipt.hpp>
#include <ringactor/type_registry.hpp>

namespace ringactor::remote::detail {

/// An hlc_timestamp on the wire.
struct k2k_wire_stamp {
  std::uint64_t physical = 0;
  std::uint32_t logical = 0;
  std::uint32_t node = 0;
};
template <class Inspector>
bool inspect(Inspector& f, k2k_wire_stamp& x) {
  return f.object(x).fields(f.field("physical", x.physical), f.field("logical", x.logical),
                            f.field("node", x.node));
}
RINGACTOR_TYPE(k2k_wire_stamp, "ringactor.remote.k2k_stamp")

/// A trace_context on the wire (all zero: untraced).
struct k2k_wire_trace {
  std::uint64_t trace_high = 0;
  std::uint64_t trace_low = 0;
  std::uint64_t span_id = 0;
  std::uint8_t flags = 0;
};
template <class Inspector>
bool inspect(Inspector& f, k2k_wire_trace& x) {
  return f.object(x).fields(f.field("trace_high", x.trace_high), f.field("trace_low", x.trace_low),
                            f.field("span_id", x.span_id), f.field("flags", x.flags));
}
RINGACTOR_TYPE(k2k_wire_trace, "ringactor.remote.k2k_trace")

/// remaining_ns of an envelope without a deadline.
inline constexpr std::int64_t k2k_no_deadline = -1;

/// An envelope in transit: bridge -> ingress, sent (not requested) so that
/// the ingress has the bridge as a handle to answer to.
struct k2k_wire_envelope {
  std::uint64_t seq = 0;
  k2k_wire_stamp id;
  k2k_wire_stamp stamp;
  std::string destination;
  std::uint8_t priority = 0;
  std::uint8_t policy = 0;
  std::uint32_t hops = 0;
  /// Time left to the delivery deadline when the bridge sent it, or k2k_no_deadline.
  std::int64_t remaining_ns = k2k_no_deadline;
  k2k_wire_trace trace;
  /// The payload: its registered type's stable id and binary form.
  std::uint64_t payload_type = 0;
  std::vector<std::uint8_t> payload;
};
template <class Inspector>
bool inspect(Inspector& f, k2k_wire_envelope& x) {
  return f.object(x).fields(f.field("seq", x.seq), f.field("id", x.id), f.field("stamp", x.stamp),
                            f.field("destination", x.destination), f.field("priority", x.priority),
                            f.field("policy", x.policy), f.field("hops", x.hops),
                            f.field("remaining_ns", x.remaining_ns), f.field("trace", x.trace),
                            f.field("payload_type", x.payload_type), f.field("payload", x.payload));
}
RINGACTOR_TYPE(k2k_wire_envelope, "ringactor.remote.k2k_envelope")

/// Ingress -> bridge: the receiving broker took envelope `seq` in.
struct k2k_wire_accepted {
  std::uint64_t seq = 0;
};
template <class Inspector>
bool inspect(Inspector& f, k2k_wire_accepted& x) {
  return f.object(x).fields(f.field("seq", x.seq));
}
RINGACTOR_TYPE(k2k_wire_accepted, "ringactor.remote.k2k_accepted")

/// Ingress -> bridge: envelope `seq` was not taken in (its payload type is
/// unknown there, the broker refused it or is gone).
struct k2k_wire_refused {
  std::uint64_t seq = 0;
  error reason;
};
template <class Inspector>
bool inspect(Inspector& f, k2k_wire_refused& x) {
  return f.object(x).fields(f.field("seq", x.seq), f.field("reason", x.reason));
}
RINGACTOR_TYPE(k2k_wire_refused, "ringactor.remote.k2k_refused")

/// Ingress -> bridge: the final receipt of envelope `seq` (policy
/// final_outcome), after its acceptance.
struct k2k_wire_receipt {
  std::uint64_t seq = 0;
  k2k_wire_stamp id;
  std::uint8_t status = 0;
  std::string destination;
  std::string next_hop;
  std::uint32_t hops = 0;
  k2k_wire_stamp stamp;
  error reason;
  k2k_wire_trace trace;
};
template <class Inspector>
bool inspect(Inspector& f, k2k_wire_receipt& x) {
  return f.object(x).fields(f.field("seq", x.seq), f.field("id", x.id), f.field("status", x.status),
                            f.field("destination", x.destination), f.field("next_hop", x.next_hop),
                            f.field("hops", x.hops), f.field("stamp", x.stamp),
                            f.field("reason", x.reason), f.field("trace", x.trace));
}
RINGACTOR_TYPE(k2k_wire_receipt, "ringactor.remote.k2k_receipt")

// -- conversions ------------------------------------------------------------------------

inline k2k_wire_stamp to_wire(const hlc_timestamp& x) {
  return {x.physical, x.logical, x.node};
}
inline hlc_timestamp from_wire(const k2k_wire_stamp& x) {
  return hlc_timestamp{x.physical, x.logical, x.node};
}
inline k2k_wire_trace to_wire(const trace_context& x) {
  return {x.trace_id_high(), x.trace_id_low(), x.span_id(), x.flags()};
}
inline trace_context from_wire(const k2k_wire_trace& x) {
  return trace_context{x.trace_high, x.trace_low, x.span_id, x.flags};
}

k2k_wire_receipt to_wire(std::uint64_t seq, const k2k::receipt& r);
/// The receipt, or invalid_value for a status this build does not know.
expected<k2k::receipt> from_wire(const k2k_wire_receipt& x);

} // namespace ringactor::remote::detail

namespace ringactor::remote::detail {

/// The ingress of `broker` (k2k_ingress.cpp): exits with the broker.
actor spawn_k2k_ingress(actor_system& sys, k2k::broker broker);

/// A bridge to `ingress` (a proxy of the ingress on node `peer`) that
/// merges the stamps of receipts into `clock` (k2k_bridge.cpp). It exits
/// with `owner` (the broker it is registered in) and with node_down when
/// the ingress's node fails.
actor spawn_k2k_bridge(actor_system& sys, actor ingress, std::string peer, k2k::broker owner,
                       std::shared_ptr<k2k::hybrid_clock> clock);

} // namespace ringactor::remote::detail
