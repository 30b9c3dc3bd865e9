// ringactor (internal): the sender references of one batch of messages,
// dropped together.
//
// Every message holds a strong reference to its sender. The sender's thread
// adds it, the receiver's thread drops it: one atomic on a cache line the
// other core owns, per message (over half of the samples of a one-producer,
// one-consumer stream in perf). A receiver that handles a run of messages
// from one sender drops their references with one atomic instead, when the
// sender changes or the batch ends. Deferring a release only keeps the
// sender alive a little longer, so it is safe; the batch ends before the
// worker leaves the actor (see scheduled_actor::resume).
#pragma once

#include <cstdint>

#include "ringactor/abstract_actor.hpp"

namespace ringactor::detail {

class sender_release_batch {
public:
  sender_release_batch() noexcept = default;
  sender_release_batch(const sender_release_batch&) = delete;
  sender_release_batch& operator=(const sender_release_batch&) = delete;
  ~sender_release_batch() { flush(); }

  /// Takes over one strong reference to `x` (not null).
  void add(abstract_actor* x) noexcept {
    if (x != actor_) {
      flush();
      actor_ = x;
    }
    ++count_;
  }

  /// Drops every reference held.
  void flush() noexcept {
    if (count_ > 0) {
      release_strong(actor_, count_);
      count_ = 0;
    }
    actor_ = nullptr;
  }

private:
  abstract_actor* actor_ = nullptr;
  uint32_t count_ = 0;
};

} // namespace ringactor::detail
