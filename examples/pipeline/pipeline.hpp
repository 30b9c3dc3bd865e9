// The flagship pipeline: the workers' interface, K2K routing of results, and
// fault injection. Shared by the host workers and the kernel workers; the
// messages and the scoring itself, which device code sees too, are in
// scorer_kernel.hpp.
#pragma once

#include <atomic>
#include <cstdint>

#include <ringactor/all.hpp>
#include <ringactor/k2k/all.hpp>

#include "scorer_kernel.hpp"

namespace pipeline {

RINGACTOR_K2K_ROUTABLE(scored, "pipeline")

/// The workers' interface: host workers and kernel workers alike.
using scorer = ringactor::typed_actor<ringactor::result<scored>(order)>;

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
