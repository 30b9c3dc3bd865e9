// ringactor: a one-byte test-and-test-and-set lock for short critical sections
// (attachable lists, registry shards, run queues) where a std::mutex would
// cost 40 bytes per object and a syscall under contention.
#pragma once

#include <atomic>
#include <thread>

namespace ringactor::detail {

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

class spin_lock {
public:
  void lock() noexcept {
    for (unsigned spins = 0;; ++spins) {
      // Pairs with the release store in unlock(): the previous holder's
      // writes are visible once we own the flag.
      if (!flag_.exchange(true, std::memory_order_acquire))
        return;
      while (flag_.load(std::memory_order_relaxed)) {
        if (++spins < 64)
          cpu_relax();
        else
          std::this_thread::yield();
      }
    }
  }
  bool try_lock() noexcept {
    return !flag_.load(std::memory_order_relaxed)
           && !flag_.exchange(true, std::memory_order_acquire);
  }
  // Pairs with the acquire exchange in lock().
  void unlock() noexcept { flag_.store(false, std::memory_order_release); }

private:
  std::atomic<bool> flag_{false};
};

} // namespace ringactor::detail
