// expect: which the kernel's `using inputs
// names: not_an_input
// A kernel actor's interface may only name messages the kernel accepts.
#include <ringactor/gpu/kernel_actor.hpp>
#include <ringactor/gpu/kernels/adder.hpp>

struct not_an_input {
  int x;
};

using bad_if = ringactor::typed_actor<ringactor::result<int>(not_an_input)>;

bad_if misuse(ringactor::actor_system& sys) {
  return ringactor::spawn_kernel<bad_if>(sys, ringactor::kernels::adder{});
}
