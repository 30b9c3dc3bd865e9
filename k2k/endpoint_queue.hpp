// ringactor k2k (internal): the bounded priority queue of one endpoint.
// Higher priority first; among equal priorities, arrival order (a sequence
// number breaks ties, which makes the binary heap stable).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "ringactor/k2k/envelope.hpp"

namespace ringactor::k2k::detail {

struct queued_envelope {
  envelope env;
  /// True when the endpoint is the next hop (a broker), false when it is the
  /// destination itself.
  bool forward = false;
  std::uint64_t seq = 0;
};

class endpoint_queue {
public:
  using time_point = std::chrono::steady_clock::time_point;

  explicit endpoint_queue(std::size_t capacity) : capacity_(capacity) {}

  std::size_t size() const noexcept { return heap_.size(); }
  bool empty() const noexcept { return heap_.empty(); }
  bool full() const noexcept { return heap_.size() >= capacity_; }

  /// Adds `env` (the caller checked full()).
  void push(envelope env, bool forward) {
    heap_.push_back(queued_envelope{std::move(env), forward, next_seq_++});
    std::push_heap(heap_.begin(), heap_.end(), before);
  }

  /// Removes the next message to deliver (the queue must not be empty).
  queued_envelope pop() {
    std::pop_heap(heap_.begin(), heap_.end(), before);
    auto out = std::move(heap_.back());
    heap_.pop_back();
    return out;
  }

  /// Removes every message whose deadline is not after `now`, in delivery
  /// order, passing each to `f`.
  template <class F>
  void expire(time_point now, F&& f) {
    auto alive = std::partition(heap_.begin(), heap_.end(),
                                [now](const queued_envelope& x) { return x.env.deadline > now; });
    if (alive == heap_.end())
      return;
    std::vector<queued_envelope> expired(std::make_move_iterator(alive),
                                         std::make_move_iterator(heap_.end()));
    heap_.erase(alive, heap_.end());
    std::make_heap(heap_.begin(), heap_.end(), before);
    std::sort(expired.begin(), expired.end(),
              [](const auto& x, const auto& y) { return before(y, x); });
    for (auto& x : expired)
      f(std::move(x));
  }

  /// Removes every message, in delivery order, passing each to `f`.
  template <class F>
  void drain(F&& f) {
    auto all = std::move(heap_);
    heap_.clear();
    std::sort(all.begin(), all.end(), [](const auto& x, const auto& y) { return before(y, x); });
    for (auto& x : all)
      f(std::move(x));
  }

private:
  /// The heap's "less than": x is delivered after y.
  static bool before(const queued_envelope& x, const queued_envelope& y) noexcept {
    if (x.env.priority != y.env.priority)
      return x.env.priority < y.env.priority;
    return x.seq > y.seq;
  }

  std::size_t capacity_;
  std::uint64_t next_seq_ = 0;
  std::vector<queued_envelope> heap_;
};

} // namespace ringactor::k2k::detail
