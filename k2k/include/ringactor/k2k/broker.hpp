// ringactor k2k: the broker actor. It owns a set of endpoints (any actors,
// host or kernel, registered under a kernel id), a routing table
// (destination -> next hop, where the next hop is an endpoint that is itself
// a broker), one bounded priority queue per endpoint, and the receipts of
// the messages it decided.
//
//   auto b = k2k::spawn_broker(sys, {.queue_capacity = 256});
//   scoped_actor self{sys};
//   self->request(b, 1s, k2k::register_endpoint{"decoder-0", decoder}).receive(...);
//   self->request(b, 10s, k2k::make_send("decoder-0", frame{42}))
//     .receive([](const k2k::receipt& r) { assert(r.status == k2k::delivery_status::delivered); },
//              [](const error& e) { ... });
//
// Delivery: a message for a local endpoint waits in the endpoint's queue
// (higher priority first, FIFO within a priority) and is handed over as an
// ordinary request carrying the original message; the endpoint's answer
// (any value, or nothing) confirms it. At most `max_in_flight` messages per
// endpoint are unconfirmed at a time, so a slow endpoint fills its queue and
// further sends get queue_full. A message for a routed destination waits in
// the next hop's queue the same way and travels as an `envelope`, whose hop
// count every broker checks: a routing loop ends in max_hops_exceeded.
// Every message ends in exactly one receipt; a broker that exits answers
// everything it still holds.
//
// Device channels. When two persistent kernel actors on the same device
// (the CPU backend counts as one) are registered, the broker sets up a
// device channel in each direction (k2k_port.hpp: a ring in memory both
// kernels reach) and publishes it in the sender's route table, while the
// kernels run. A kernel then sends with ctx.send(k2k_address("name"), msg):
// no host, no receipt, no broker queue; a full channel is queue_full for the
// kernel and in device_channel_stats. For every other endpoint (host actors,
// brokers, kernels elsewhere) the broker publishes a host route: ctx.send
// goes through K2H, and the device's completion poller hands the message to
// that actor directly, as an ordinary message from the kernel actor (not
// through this broker: there is no requester to answer with a receipt).
// A destination this broker reaches through a route (add_route) gets a
// broker route in every kernel's table: ctx.send hands the message (through
// K2H and the poller, as a kernel_routed_message) to this broker, which
// routes it like a send of normal priority: hop limit, forwarding, and a
// receipt kept under a fresh message id (there is no requester to answer;
// the outcome is counted in the statistics). A kernel's send to a name that
// is neither registered here nor routed is not_found at once, in the kernel.
// Unregistering (or the endpoint's exit) retires its routes and channels:
// the sender stops, the receiver takes what is left, and the memory is freed
// once both kernels acknowledged it, never while a kernel may still use it.
// A kernel is claimed by the first broker that registers it; to any other
// broker it is an ordinary endpoint.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ringactor/actor.hpp"
#include "ringactor/gpu/kernel_ports.hpp"
#include "ringactor/k2k/envelope.hpp"
#include "ringactor/k2k/hlc.hpp"
#include "ringactor/k2k/receipt.hpp"
#include "ringactor/result.hpp"
#include "ringactor/typed_actor.hpp"

namespace ringactor {
class actor_system;
} // namespace ringactor

namespace ringactor::k2k {

// -- configuration --------------------------------------------------------------------

/// The most slots a device channel may have (2^20). A channel takes
/// capacity times the receiving kernel's slot size (128 bytes or more: 128
/// MiB at this limit with the smallest slots) of device memory (host memory
/// on the CPU backend), and there is one each way between every two kernel
/// endpoints on a device: a larger capacity is refused where it enters
/// (spawn_broker, register_endpoint) rather than allocated.
inline constexpr std::uint32_t max_device_channel_capacity = std::uint32_t{1} << 20;

struct broker_config {
  /// Broker-to-broker hops a message may make.
  std::uint32_t max_hops = 8;
  /// Messages that may wait in one endpoint's queue (beyond those in flight).
  std::size_t queue_capacity = 1024;
  /// Unconfirmed deliveries per endpoint, unless its registration says otherwise.
  std::size_t max_in_flight = 8;
  /// A message not delivered and confirmed within this time gets `timeout`
  /// (`infinite`: never).
  std::chrono::nanoseconds delivery_timeout = std::chrono::seconds{5};
  /// Receipts kept for lookup_receipt; the oldest go first.
  std::size_t receipt_retention = 65536;
  /// Slots of each device channel between two kernel endpoints (a power of
  /// two >= 2, at most max_device_channel_capacity), unless the receiving
  /// endpoint's registration says otherwise.
  std::uint32_t device_channel_capacity = 256;
  /// The clock that stamps envelopes; null means process_clock().
  std::shared_ptr<hybrid_clock> clock = nullptr;
  /// The actor's name in logs and shutdown reports.
  std::string name = "k2k_broker";
};

// -- control messages -------------------------------------------------------------------

/// Registers `endpoint` under `kernel_id`. Answered with nothing, or with
/// duplicate_endpoint / invalid_endpoint. The broker monitors the endpoint
/// and unregisters it when it exits.
struct register_endpoint {
  register_endpoint() = default;
  template <class Handle>
  register_endpoint(std::string id, const Handle& handle, std::size_t in_flight = 0)
    : kernel_id(std::move(id)), endpoint(handle.ctrl()), max_in_flight(in_flight) {}

  std::string kernel_id;
  actor endpoint;
  /// Unconfirmed deliveries allowed at once; 0 means the broker's default.
  std::size_t max_in_flight = 0;
  /// A kernel endpoint: slots of each device channel into it (a power of two
  /// >= 2, at most max_device_channel_capacity; else the registration is
  /// refused with invalid_endpoint); 0 means the broker's
  /// device_channel_capacity.
  std::uint32_t channel_capacity = 0;
};

/// Unregisters an endpoint: its queued messages get not_found receipts at
/// once, those in flight get theirs when the endpoint answers (or the
/// delivery times out). Answered with nothing or unknown_endpoint.
struct unregister_endpoint {
  std::string kernel_id;
};

/// Sends messages for `destination` to the endpoint `next_hop` (a broker).
/// Replaces an existing route. A local endpoint named `destination` takes
/// precedence over a route.
struct add_route {
  std::string destination;
  std::string next_hop;
};

/// Answered with nothing or unknown_route.
struct remove_route {
  std::string destination;
};

/// Answered with the retained receipt or unknown_receipt.
struct lookup_receipt {
  envelope_id id;
};

/// Answered with broker_stats.
struct get_stats {};

namespace detail {
/// The broker's own timer: expires queued messages past their deadline.
struct expire_tick {};
} // namespace detail

// -- statistics -------------------------------------------------------------------------

struct endpoint_stats {
  std::string kernel_id;
  std::size_t queue_depth = 0; ///< messages waiting
  std::size_t in_flight = 0;   ///< handed over, not yet confirmed
  std::size_t max_in_flight = 0;
  std::uint64_t delivered = 0; ///< confirmed by this endpoint
  std::uint64_t forwarded = 0; ///< accepted by this endpoint as the next hop
};

/// Messages this broker decided not to (or could not) deliver, by reason.
struct drop_counts {
  std::uint64_t not_found = 0;
  std::uint64_t queue_full = 0;
  std::uint64_t timeout = 0;
  std::uint64_t max_hops_exceeded = 0;
  std::uint64_t rejected = 0;

  std::uint64_t total() const noexcept {
    return not_found + queue_full + timeout + max_hops_exceeded + rejected;
  }
};

/// One device channel this broker set up between two kernel endpoints (see
/// "Device channels" above). Counted by the kernels themselves.
struct device_channel_stats {
  std::string source;           ///< the sending endpoint's kernel id
  std::string destination;      ///< the receiving endpoint's kernel id
  std::uint64_t sent = 0;       ///< messages the sender pushed
  std::uint64_t received = 0;   ///< messages the receiver took
  std::uint64_t queue_full = 0; ///< sends refused because the channel was full
  std::uint32_t capacity = 0;

  std::uint64_t depth() const noexcept { return sent - received; }
};

/// What one kernel endpoint's ctx.send calls did since its registration
/// here, by outcome (a device channel's sends and queue_full are counted per
/// channel, in device_channel_stats).
struct kernel_send_stats {
  std::string kernel_id;
  std::uint64_t not_found = 0;
  std::uint64_t not_accepted = 0;
  std::uint64_t too_large = 0;
  std::uint64_t sent_to_host = 0; ///< sends to host endpoints, through K2H
  /// Sends handed to this broker to route (destinations behind its routes).
  std::uint64_t sent_to_broker = 0;
  /// Sends to host endpoints or this broker given up (queue_full) because
  /// K2H stayed full until the kernel was asked to terminate.
  std::uint64_t host_queue_full = 0;
};

/// Every ctx.send of this broker's kernel endpoints, by outcome: one field
/// per way a send can end (not_leader, a call off the leader thread, sends
/// nothing and is not counted). The totals of the metric
/// ringactor_k2k_device_sends_total{broker,outcome}, where each field is the
/// outcome of its name.
///
/// Counted by the kernels in memory the broker set up, and kept when that
/// memory goes: an endpoint's sends up to its unregistration (or exit) and a
/// device channel's until both its kernels let go of it (its final counts).
/// Not counted: a send an unregistered kernel completes after the broker let
/// go of it (it learns at its next send or loop iteration), a push into a
/// channel abandoned after 10 s without an acknowledgement (its counts are
/// read when it is given up), and sends made before the kernel was
/// registered here.
struct device_send_totals {
  std::uint64_t channel = 0;         ///< pushed into a device channel to a kernel
  std::uint64_t host = 0;            ///< into K2H for a host endpoint
  std::uint64_t broker = 0;          ///< into K2H for this broker to route
  std::uint64_t not_found = 0;       ///< no route to the destination
  std::uint64_t not_accepted = 0;    ///< the destination kernel takes no such type
  std::uint64_t too_large = 0;       ///< larger than a slot of the channel or of K2H
  std::uint64_t queue_full = 0;      ///< the device channel was full
  std::uint64_t host_queue_full = 0; ///< K2H stayed full until the kernel terminated

  friend bool operator==(const device_send_totals&, const device_send_totals&) = default;
};

struct broker_stats {
  std::size_t registered_endpoints = 0;
  std::size_t routes = 0;
  std::uint64_t accepted = 0; ///< messages taken in (sends, envelopes, kernels' routed sends)
  /// Of those, sends kernels handed over to route (k2k_route_kind::broker).
  std::uint64_t kernel_routed = 0;
  /// Sends and envelopes answered with an error (empty, unregistered type).
  std::uint64_t refused_sends = 0;
  std::uint64_t delivered = 0;
  std::uint64_t forwarded = 0;
  drop_counts dropped;
  std::size_t queued = 0;    ///< over all endpoints
  std::size_t in_flight = 0; ///< over all endpoints
  std::size_t retained_receipts = 0;
  std::vector<endpoint_stats> endpoints; ///< sorted by kernel id
  /// Device channels in use, sorted by source, then destination.
  std::vector<device_channel_stats> device_channels;
  /// Kernel endpoints with device channels, sorted by kernel id.
  std::vector<kernel_send_stats> kernel_sends;
  /// The sends of every kernel endpoint this broker has had, those
  /// unregistered and the channels torn down included (see
  /// device_send_totals): what ringactor_k2k_device_sends_total shows.
  device_send_totals device_sends;
  /// Sends refused by full device channels, over every channel this broker
  /// set up (those torn down included): the device channels' queue_full.
  std::uint64_t device_queue_full = 0;
  /// Messages left unread in device channels when they were torn down: the
  /// receiving kernel's loop ended before it took them (or it took longer
  /// than 10 s). A channel whose endpoint is unregistered is torn down only
  /// after its receiver took what its sender had pushed.
  std::uint64_t device_lost_at_teardown = 0;
  /// Device channels torn down whose kernels have not yet acknowledged it
  /// (their memory is freed once they have).
  std::size_t device_channels_retiring = 0;

  /// The entry for `kernel_id`, or null.
  const endpoint_stats* endpoint(std::string_view kernel_id) const noexcept;
  /// The device channel from `source` to `destination`, or null.
  const device_channel_stats* device_channel(std::string_view source,
                                             std::string_view destination) const noexcept;
};

// -- the broker -----------------------------------------------------------------------

using broker = typed_actor<result<receipt>(send_msg), result<void>(envelope),
                           result<void>(kernel_routed_message), result<void>(register_endpoint),
                           result<void>(unregister_endpoint), result<void>(add_route),
                           result<void>(remove_route), result<receipt>(lookup_receipt),
                           result<broker_stats>(get_stats), result<void>(detail::expire_tick)>;

/// Spawns a broker. Throws std::invalid_argument if max_in_flight is zero,
/// delivery_timeout is not positive, or device_channel_capacity is not a
/// power of two in [2, max_device_channel_capacity] (max_hops 0 allows no forwarding,
/// queue_capacity 0 lets a message wait for no in-flight slot).
broker spawn_broker(actor_system& sys, broker_config cfg = {});

} // namespace ringactor::k2k
