// ringactor k2k (internal): the receipts a broker retains for lookups, at
// most `capacity`, the oldest evicted first.
#pragma once

#include <cstddef>
#include <deque>
#include <unordered_map>
#include <utility>

#include "ringactor/k2k/receipt.hpp"

namespace ringactor::k2k::detail {

class receipt_store {
public:
  explicit receipt_store(std::size_t capacity) : capacity_(capacity) {}

  /// Stores `x`, replacing an older receipt for the same message (a message
  /// that loops through a broker is decided there more than once).
  void put(receipt x) {
    if (capacity_ == 0)
      return;
    auto id = x.id;
    auto [pos, added] = by_id_.insert_or_assign(id, std::move(x));
    if (!added)
      return;
    order_.push_back(pos->first);
    if (order_.size() > capacity_) {
      by_id_.erase(order_.front());
      order_.pop_front();
    }
  }

  const receipt* find(const envelope_id& id) const {
    auto i = by_id_.find(id);
    return i != by_id_.end() ? &i->second : nullptr;
  }

  std::size_t size() const noexcept { return by_id_.size(); }

private:
  std::size_t capacity_;
  std::unordered_map<envelope_id, receipt> by_id_;
  std::deque<envelope_id> order_; // insertion order, one entry per key
};

} // namespace ringactor::k2k::detail
