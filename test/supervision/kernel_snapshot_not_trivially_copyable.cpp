// expect: a kernel's snapshot_type must be trivially copyable
// names: vector_snapshot
// Snapshots are copied byte by byte into memory the host and the device share.
#include <vector>

#include <ringactor/gpu/cpu_backend.hpp>

struct add {
  int a, b;
};

struct vector_snapshot {
  std::vector<int> values;
};

struct listing_kernel {
  using inputs = ringactor::message_list<add>;
  using snapshot_type = vector_snapshot;
  template <class Ctx>
  RINGACTOR_DEVICE int handle(Ctx&, const add& m) {
    return m.a + m.b;
  }
  RINGACTOR_HOST_DEVICE vector_snapshot snapshot() const { return {}; }
  RINGACTOR_HOST_DEVICE void restore(const vector_snapshot&) {}
};

void misuse(ringactor::kernel_channel& ch) {
  ringactor::cpu_kernel_runner<listing_kernel> runner{listing_kernel{}, ch};
  runner.start();
}
