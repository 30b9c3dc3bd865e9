// expect: the kernel lacks a handler for one of its inputs
// names: half_kernel
// A kernel that lists a message in `inputs` must handle it.
#include <ringactor/gpu/cpu_backend.hpp>

struct add {
  int a, b;
};
struct mul {
  int a, b;
};

struct half_kernel {
  using inputs = ringactor::message_list<add, mul>;
  template <class Ctx>
  RINGACTOR_DEVICE int handle(Ctx&, const add& m) const {
    return m.a + m.b;
  }
};

void misuse(ringactor::kernel_channel& ch) {
  ringactor::cpu_kernel_runner<half_kernel> runner{half_kernel{}, ch};
  runner.start();
}
