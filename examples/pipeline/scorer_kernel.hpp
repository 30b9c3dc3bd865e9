// The pipeline's messages, its scoring work and its kernel worker: the part
// of the demo that device code sees. Compiled for the CPU backend by the
// host compiler and for CUDA by nvcc (registered in scorer_kernel.cu), so it
// includes only device-facing headers (docs/device-headers.md): no fmt, no
// threads, no actor system.
#pragma once

#include <cstdint>

#include <ringactor/gpu/device.hpp>
#include <ringactor/gpu/message_list.hpp>

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

/// The scoring itself: a little arithmetic per order, the same on every
/// backend (kernels call it from device code).
RINGACTOR_HOST_DEVICE constexpr scored score(const order& o) noexcept {
  std::uint64_t value = static_cast<std::uint64_t>(o.quantity) * o.price_cents;
  std::uint32_t h = static_cast<std::uint32_t>(o.id * 2654435761u);
  for (int round = 0; round < 16; ++round)
    h = (h ^ (h >> 15)) * 0x2c1b3c6du + static_cast<std::uint32_t>(value);
  return scored{o.id, value, h % 100u, h};
}

/// The scoring as a persistent kernel: one message, one reply. An armed
/// fault makes the kernel report a device fault (kernel_fault); the pool
/// restarts it from fresh device state. `armed` and `fired` are null where
/// no fault is injected (on CUDA: they point into ordinary host memory,
/// which a device cannot reach).
struct scorer_kernel {
  using inputs = ringactor::message_list<order>;

  template <class Ctx>
  RINGACTOR_DEVICE void handle(Ctx& ctx, const order& o) const {
    if (armed != nullptr) {
      auto n = ringactor::dev::atomic_load(*armed, ringactor::mem_order::relaxed);
      while (n > 0) {
        if (ringactor::dev::atomic_compare_exchange(*armed, n, n - 1,
                                                    ringactor::mem_order::acq_rel)) {
          ringactor::dev::atomic_fetch_add(*fired, std::uint64_t{1}, ringactor::mem_order::relaxed);
          ctx.fault(1);
          return;
        }
      }
    }
    ctx.reply(score(o));
  }

  std::int64_t* armed;
  std::uint64_t* fired;
};

} // namespace pipeline
