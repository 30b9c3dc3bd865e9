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

#include <ringactor/metrics/gauge.hpp>

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
  /// The moved-from queue is left empty, outside the gauge.
  endpoint_queue(endpoint_queue&& other) noexcept
    : capacity_(other.capacity_),
      next_seq_(other.next_seq_),
      heap_(std::move(other.heap_)),
      depth_(std::exchange(other.depth_, nullptr)) {
    other.heap_.clear();
  }
  endpoint_queue& operator=(endpoint_queue&&) = delete;
  endpoint_queue(const endpoint_queue&) = delete;
  endpoint_queue& operator=(const endpoint_queue&) = delete;
  /// Takes its messages out of the depth gauge.
  ~endpoint_queue() { track(nullptr); }

  /// Adds this queue's depth to `depth` (a broker's ringactor_k2k_queued),
  /// and keeps it there as messages come and go; null stops that.
  void track(metrics::gauge* depth) noexcept {
    if (depth_ != nullptr)
      depth_->dec(static_cast<std::int64_t>(heap_.size()));
    depth_ = depth;
    if (depth_ != nullptr)
      depth_->inc(static_cast<std::int64_t>(heap_.size()));
  }

  std::size_t size() const noexcept { return heap_.size(); }
  bool empty() const noexcept { return heap_.empty(); }
  bool full() const noexcept { return heap_.size() >= capacity_; }

  /// Adds `env` (the caller checked full()).
  void push(envelope env, bool forward) {
    heap_.push_back(queued_envelope{std::move(env), forward, next_seq_++});
    std::push_heap(heap_.begin(), heap_.end(), before);
    moved(1);
  }

  /// Removes the next message to deliver (the queue must not be empty).
  queued_envelope pop() {
    std::pop_heap(heap_.begin(), heap_.end(), before);
    auto out = std::move(heap_.back());
    heap_.pop_back();
    moved(-1);
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
    moved(-static_cast<std::int64_t>(expired.size()));
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
    moved(-static_cast<std::int64_t>(all.size()));
    std::sort(all.begin(), all.end(), [](const auto& x, const auto& y) { return before(y, x); });
    for (auto& x : all)
      f(std::move(x));
  }

private:
  void moved(std::int64_t n) noexcept {
    if (depth_ != nullptr)
      depth_->inc(n);
  }

  /// The heap's "less than": x is delivered after y.
  static bool before(const queued_envelope& x, const queued_envelope& y) noexcept {
    if (x.env.priority != y.env.priority)
      return x.env.priority < y.env.priority;
    return x.seq > y.seq;
  }

  std::size_t capacity_;
  std::uint64_t next_seq_ = 0;
  std::vector<queued_envelope> heap_;
  metrics::gauge* depth_ = nullptr;
};

} // namespace ringactor::k2k::detail
