// expect: cannot travel to a kernel
// names: too_big
// A message of a kernel actor's interface must fit a ring slot.
#include <ringactor/gpu/kernel_actor.hpp>

struct too_big {
  char bytes[4096];
};

struct big_kernel {
  using inputs = ringactor::message_list<too_big>;
  template <class Ctx>
  RINGACTOR_DEVICE int handle(Ctx&, const too_big&) const {
    return 0;
  }
};

using big_if = ringactor::typed_actor<ringactor::result<int>(too_big)>;

big_if misuse(ringactor::actor_system& sys) {
  return ringactor::spawn_kernel<big_if>(sys, big_kernel{});
}
