// ringactor k2k: delivery receipts. Every message a broker accepts ends in
// exactly one receipt for its sender: the broker answers the send request
// with it, and keeps it (within its retention) for lookups by message id.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "ringactor/error.hpp"
#include "ringactor/k2k/hlc.hpp"
#include "ringactor/trace_context.hpp"

namespace ringactor::k2k {

/// A message's id: the HLC stamp of the broker that accepted it from its
/// sender. Unique wherever clocks have distinct node ids.
using envelope_id = hlc_timestamp;

/// What became of a message.
enum class delivery_status : std::uint8_t {
  delivered,         ///< the endpoint handled it (answered with a value or nothing)
  forwarded,         ///< passed on to the next hop, which accepted it
  not_found,         ///< no endpoint and no route for the destination, or the endpoint left
  queue_full,        ///< the destination's (or next hop's) queue was at capacity
  timeout,           ///< not delivered and confirmed within the delivery timeout
  max_hops_exceeded, ///< the message would have passed more brokers than allowed
  rejected,          ///< refused: the endpoint answered with an error (see reason)
};

/// "delivered", "forwarded", ...
std::string_view to_string(delivery_status x) noexcept;

struct receipt {
  envelope_id id;
  delivery_status status = delivery_status::delivered;
  std::string destination;
  /// For forwarded: the kernel id of the next hop.
  std::string next_hop;
  /// Broker-to-broker hops the message made before this outcome.
  std::uint32_t hops = 0;
  /// When the deciding broker decided (its clock, after merging the envelope's stamp).
  hlc_timestamp stamp;
  /// Why it was not delivered (empty for delivered and forwarded).
  error reason;
  /// The trace of the message (envelope::trace; empty when untraced).
  trace_context trace;

  bool ok() const noexcept {
    return status == delivery_status::delivered || status == delivery_status::forwarded;
  }
};

} // namespace ringactor::k2k

template <>
struct fmt::formatter<ringactor::k2k::delivery_status> : fmt::formatter<std::string_view> {
  template <class FormatContext>
  auto format(ringactor::k2k::delivery_status x, FormatContext& ctx) const {
    return fmt::formatter<std::string_view>::format(ringactor::k2k::to_string(x), ctx);
  }
};
