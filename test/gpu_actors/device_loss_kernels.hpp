// A kernel that corrupts its CUDA context on request (an illegal address,
// a sticky error), for the device-loss test on a real GPU
// (device_loss_cuda_test.cpp). On the CPU backend its handler does nothing.
#pragma once

#include <cstdint>

#include <ringactor/gpu/device.hpp>
#include <ringactor/gpu/message_list.hpp>

namespace gpu_loss_test {

/// Host -> bomb: write through a null pointer (on the device).
struct detonate {};

/// Host -> bomb: answered with `value`, while the device is healthy.
struct echo {
  std::int32_t value;
};

struct bomb {
  using inputs = ringactor::message_list<detonate, echo>;

  template <class Ctx>
  RINGACTOR_DEVICE void handle(Ctx& ctx, const detonate&) const {
    if (!ctx.is_leader())
      return;
#if RINGACTOR_DEVICE_PASS
    // cudaErrorIllegalAddress: CUDA documents it as sticky, the context is
    // unusable until the process exits.
    *static_cast<volatile std::int32_t*>(poison) = 1;
#endif
  }

  template <class Ctx>
  RINGACTOR_DEVICE std::int32_t handle(Ctx&, const echo& m) const {
    return m.value;
  }

  void* poison = nullptr;
};

} // namespace gpu_loss_test
