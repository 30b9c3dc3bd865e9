#include "ringactor/k2k/receipt.hpp"

namespace ringactor::k2k {

std::string_view to_string(delivery_status x) noexcept {
  switch (x) {
    case delivery_status::delivered: return "delivered";
    case delivery_status::forwarded: return "forwarded";
    case delivery_status::not_found: return "not_found";
    case delivery_status::queue_full: return "queue_full";
    case delivery_status::timeout: return "timeout";
    case delivery_status::max_hops_exceeded: return "max_hops_exceeded";
    case delivery_status::rejected: return "rejected";
  }
  return "unknown";
}

} // namespace ringactor::k2k
