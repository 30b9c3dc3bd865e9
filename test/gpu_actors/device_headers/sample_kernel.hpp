// A kernel header as a user writes it: the messages, the interface the
// kernel implements and the kernel itself, in one header that both the host
// compiler and nvcc compile. It may include only device-facing headers
// (docs/device-headers.md); the gpu_actors suite compiles it with nvcc
// (sample_kernel.cu) and checks that its includes pull in no fmt.
#pragma once

#include <cstdint>

#include <ringactor/gpu/device.hpp>
#include <ringactor/gpu/message_list.hpp>
#include <ringactor/typed_actor_fwd.hpp>

namespace sample {

struct scale {
  std::int32_t value;
};

struct reset {};

/// The interface: host code includes <ringactor/typed_actor.hpp> to use it.
using scaler_actor = ringactor::typed_actor<ringactor::result<std::int64_t>(scale),
                                            ringactor::result<void>(reset)>;

struct scaler {
  using inputs = ringactor::message_list<scale, reset>;

  std::int64_t factor = 2;
  std::int64_t last = 0;

  template <class Ctx>
  RINGACTOR_DEVICE std::int64_t handle(Ctx&, const scale& m) {
    last = factor * m.value;
    return last;
  }

  template <class Ctx>
  RINGACTOR_DEVICE void handle(Ctx&, const reset&) {
    last = 0;
  }
};

} // namespace sample
