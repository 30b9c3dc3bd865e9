// expect: a kernel must be trivially copyable
// names: vector_kernel
// Kernel state is copied to device memory: it must be trivially copyable.
#include <vector>

#include <ringactor/gpu/cpu_backend.hpp>

struct add {
  int a, b;
};

struct vector_kernel {
  using inputs = ringactor::message_list<add>;
  template <class Ctx>
  RINGACTOR_DEVICE int handle(Ctx&, const add& m) {
    values.push_back(m.a);
    return m.b;
  }
  std::vector<int> values;
};

void misuse(ringactor::kernel_channel& ch) {
  ringactor::cpu_kernel_runner<vector_kernel> runner{vector_kernel{}, ch};
  runner.start();
}
