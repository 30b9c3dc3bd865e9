// ringactor (internal): the set of live scheduled actors, sharded by id so
// that spawning from many threads does not contend on one lock. Shutdown
// uses it to ask every actor to exit and to name those that do not.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "ringactor/abstract_actor.hpp"
#include "ringactor/detail/spin_lock.hpp"

namespace ringactor::detail {

class actor_registry {
public:
  void add(abstract_actor* x) noexcept;
  void remove(abstract_actor* x) noexcept;

  size_t size() const noexcept { return alive_.load(std::memory_order_acquire); }

  /// Strong references to every live actor (those still reachable).
  std::vector<strong_actor_ptr> snapshot() const;

  /// The live actor with this id, if any.
  strong_actor_ptr find(actor_id id) const;

  /// Waits until no actor is alive or `deadline` passed; true if none is.
  bool await_empty(std::chrono::steady_clock::time_point deadline);

  /// Waits until no actor is alive, however long that takes.
  void await_empty();

private:
  static constexpr size_t num_shards = 16;
  struct alignas(64) shard {
    mutable spin_lock lock;
    abstract_actor* head = nullptr;
  };

  std::array<shard, num_shards> shards_;
  // Incremented in add, decremented in remove (acq_rel); await_empty reads it.
  std::atomic<size_t> alive_{0};
  std::mutex empty_mtx_;
  std::condition_variable empty_cv_;
};

} // namespace ringactor::detail
