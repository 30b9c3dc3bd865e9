// expect: a kernel with snapshot hooks provides all three
// names: half_hooked
// A kernel that can snapshot its state but not restore it cannot be restarted
// from a snapshot: the hooks come as a set.
#include <ringactor/gpu/cpu_backend.hpp>

struct add {
  int a, b;
};

struct half_hooked {
  using inputs = ringactor::message_list<add>;
  using snapshot_type = int;
  template <class Ctx>
  RINGACTOR_DEVICE int handle(Ctx&, const add& m) {
    total += m.a + m.b;
    return total;
  }
  RINGACTOR_HOST_DEVICE int snapshot() const { return total; }
  int total = 0;
};

void misuse(ringactor::kernel_channel& ch) {
  ringactor::cpu_kernel_runner<half_hooked> runner{half_hooked{}, ch};
  runner.start();
}
