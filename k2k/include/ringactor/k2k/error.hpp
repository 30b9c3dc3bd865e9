// ringactor k2k: the error codes of the K2K layer (clocks, the routable type
// registry, the broker's control messages).
//
//   if (auto stamp = clock.update(remote); !stamp && stamp.error() == k2k::errc::clock_skew) ...
#pragma once

#include <system_error>

#include "ringactor/error.hpp"

namespace ringactor::k2k {

/// What went wrong in the K2K layer. Delivery outcomes are not errors: they
/// travel as receipts (see receipt.hpp).
enum class errc : int {
  none = 0,
  clock_skew = 1,     ///< a remote stamp is further ahead of local time than allowed
  invalid_timestamp,  ///< a stamp is out of range or its binary form is malformed
  unregistered_type,  ///< the message type was not declared routable
  duplicate_endpoint, ///< a kernel id is already registered at this broker
  unknown_endpoint,   ///< no endpoint is registered under this kernel id
  invalid_endpoint,   ///< the handle of an endpoint is invalid (null)
  unknown_route,      ///< no route exists for this destination
  unknown_receipt,    ///< no receipt for this message id is retained
  empty_message,      ///< a send carried no payload
  max_hops_exceeded,  ///< a message would pass more brokers than the hop limit allows
};

const std::error_category& k2k_category() noexcept;

inline std::error_code make_error_code(errc x) noexcept {
  return {static_cast<int>(x), k2k_category()};
}

} // namespace ringactor::k2k

template <>
struct std::is_error_code_enum<ringactor::k2k::errc> : std::true_type {};
