// The flagship pipeline: messages, the scoring work, and fault injection.
// Shared by the host workers and (when built) the kernel workers.
#pragma once

#include <atomic>
#include <cstdint>

#include <ringactor/all.hpp>
#include <ringactor/k2k/all.hpp>

namespace pipeline {

/// An incoming order: what the generators produce.
struct order {
  std::uint64_t id;
  std::uint32_t quantity;
  std::uint32_t price_cents;
};

/// A scored order: what the workers produce and the aggregator collects.
struct scored {
  std::uint64_t id;
  std::uint64_t value_cents;
  std::uint32_t risk; ///< 0..99
  std::uint32_t checksum;
};

RINGACTOR_K2K_ROUTABLE(scored, "pipeline")

/// The workers' interface: host workers and kernel workers alike.
using scorer = ringactor::typed_actor<ringactor::result<scored>(order)>;

/// The scoring itself: a little arithmetic per order, the same on every
/// backend (kernels call it from device code).
constexpr scored score(const order& o) noexcept {
  std::uint64_t value = static_cast<std::uint64_t>(o.quantity) * o.price_cents;
  std::uint32_t h = static_cast<std::uint32_t>(o.id * 2654435761u);
  for (int round = 0; round < 16; ++round)
    h = (h ^ (h >> 15)) * 0x2c1b3c6du + static_cast<std::uint32_t>(value);
  return scored{o.id, value, h % 100u, h};
}

/// Armed faults: the next worker that takes an order while one is armed
/// crashes instead of answering (the pool re-dispatches the order).
struct fault_plan {
  std::atomic<std::int64_t> armed{0};
  std::atomic<std::uint64_t> fired{0};
  // The same for kernel workers, as plain integers that kernel code updates
  // with the device atomics (dev::atomic_*).
  std::int64_t kernel_armed = 0;
  std::uint64_t kernel_fired = 0;

  void arm(bool kernels) noexcept {
    if (kernels)
      __atomic_fetch_add(&kernel_armed, 1, __ATOMIC_RELAXED);
    else
      armed.fetch_add(1, std::memory_order_relaxed);
  }
  std::uint64_t total_fired() const noexcept {
    return fired.load(std::memory_order_relaxed) + __atomic_load_n(&kernel_fired, __ATOMIC_RELAXED);
  }

  bool take() noexcept {
    auto n = armed.load(std::memory_order_relaxed);
    while (n > 0)
      if (armed.compare_exchange_weak(n, n - 1, std::memory_order_relaxed))
        return true;
    return false;
  }
};

} // namespace pipeline
