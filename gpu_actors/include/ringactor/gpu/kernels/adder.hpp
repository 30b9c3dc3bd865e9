// ringactor: the adder, the smallest useful kernel: it adds two numbers, and
// keeps a running total to show that kernel state persists across messages.
// Compiled for the CPU backend by the host compiler and for CUDA by nvcc
// (registered in gpu_actors/kernels.cu).
//
// Device-facing header (docs/device-headers.md): a kernel may include it; it
// and all it includes compile under nvcc, with no fmt, iostream or threads.
#pragma once

#include <cstdint>

#include "ringactor/gpu/device.hpp"
#include "ringactor/gpu/message_list.hpp"

namespace ringactor::kernels {

/// Answered with a + b (an int32).
struct add {
  std::int32_t a;
  std::int32_t b;
};

/// Adds `value` to the kernel's running total; answered with the new total (an int64).
struct accumulate {
  std::int64_t value;
};

struct adder {
  using inputs = message_list<add, accumulate>;

  template <class Ctx>
  RINGACTOR_DEVICE std::int32_t handle(Ctx&, const add& m) const {
    return m.a + m.b;
  }

  template <class Ctx>
  RINGACTOR_DEVICE void handle(Ctx& ctx, const accumulate& m) {
    // State is shared by the whole grid: one thread updates it.
    if (ctx.is_leader()) {
      total += m.value;
      ctx.reply(total);
    }
  }

  std::int64_t total = 0;
};

} // namespace ringactor::kernels
