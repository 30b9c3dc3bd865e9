// ringactor k2k: what a user hands a broker (send_msg) and what brokers hand
// each other (envelope).
//
//   self->request(broker, 10s, k2k::make_send("decoder-0", frame{...}, k2k::priority::high))
//     .receive([](const k2k::receipt& r) { ... }, [](const error& e) { ... });
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>

#include "ringactor/k2k/dynamic_message.hpp"
#include "ringactor/k2k/hlc.hpp"
#include "ringactor/k2k/receipt.hpp"
#include "ringactor/k2k/type_registry.hpp"
#include "ringactor/response_promise.hpp"
#include "ringactor/trace_context.hpp"

namespace ringactor::k2k {

/// Delivery priority, 0 to 255: among messages queued for one endpoint the
/// higher priority goes first, and equal priorities go in arrival order.
/// Any value works: `priority{7}`.
enum class priority : std::uint8_t {
  low = 0,
  normal = 128,
  high = 192,
  critical = 255,
};

/// Which receipt the sender gets.
enum class receipt_policy : std::uint8_t {
  /// The final outcome, decided by whichever broker delivers or drops it.
  final_outcome,
  /// The first broker's outcome: `forwarded` as soon as the next hop took
  /// the message (the final one can be looked up at the deciding broker).
  first_hop,
};

/// Send `message` to the endpoint registered as `destination` (at this
/// broker or reachable through its routes). Answered with a receipt, or with
/// an error if the message is empty or its type is not routable.
struct send_msg {
  std::string destination;
  dynamic_message message;
  k2k::priority priority = priority::normal;
  receipt_policy policy = receipt_policy::final_outcome;
};

/// A typed send: fails to compile, naming T, unless T was declared with
/// RINGACTOR_K2K_ROUTABLE.
template <class T>
send_msg make_send(std::string destination, T&& message, priority prio = priority::normal,
                   receipt_policy policy = receipt_policy::final_outcome) {
  static_assert(check_routable<T>());
  return send_msg{std::move(destination), dynamic_message::from(std::forward<T>(message)), prio,
                  policy};
}

/// A message in transit between brokers. The sender's reply promise travels
/// with it, so the deciding broker answers the sender directly.
struct envelope {
  envelope_id id;
  /// The stamp of the latest send or receive event of this message.
  hlc_timestamp stamp;
  std::string destination;
  k2k::priority priority = priority::normal;
  receipt_policy policy = receipt_policy::final_outcome;
  /// Broker-to-broker hops so far; every broker checks it against its limit.
  std::uint32_t hops = 0;
  /// When the delivery timeout of the accepting broker runs out (in-process:
  /// a steady_clock time).
  std::chrono::steady_clock::time_point deadline;
  /// Where the final receipt goes (empty once a first-hop receipt was sent).
  typed_response_promise<receipt> reply_to;
  /// The trace of the send (the sender's request, as the first broker saw
  /// it): the delivered message and every hop continue it, and the receipt
  /// carries it back.
  trace_context trace;
  dynamic_message message;
};

} // namespace ringactor::k2k
