// The sample kernel header on the host: its forward-declared interface is
// the same type as the one typed_actor.hpp defines, and spawn_kernel accepts
// it (compiled by the gpu_actors suite's header checks; a syntax check only).
#include <ringactor/gpu/kernel_actor.hpp>
#include <ringactor/typed_actor.hpp>

#include "sample_kernel.hpp"

static_assert(ringactor::is_typed_actor_v<sample::scaler_actor>);

[[maybe_unused]] sample::scaler_actor spawn_sample(ringactor::actor_system& sys) {
  return ringactor::spawn_kernel<sample::scaler_actor>(sys, sample::scaler{});
}
