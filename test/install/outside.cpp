// An outside program built against an installed ringactor with pkg-config
// only (scripts/check-install): a host actor answers a request, and a kernel
// of the program's own, declared in a device-facing header, answers one on
// the CPU backend. With --expect-cuda yes|no it also checks whether the CUDA
// backend is linked (the program built with `pkg-config ringactor-cuda` must
// have it even though it calls nothing in that library).
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include <ringactor/all.hpp>
#include <ringactor/gpu/kernel_actor.hpp>

#include "doubler.hpp"

using namespace ringactor;
using namespace std::chrono_literals;

namespace {

using adder = typed_actor<result<std::int32_t>(outside::twice)>;

adder::behavior_type host_impl(adder::pointer) {
  return {[](outside::twice m) { return 2 * m.value; }};
}

int failures = 0;

void expect(bool ok, const char* what) {
  std::printf("%s: %s\n", ok ? "ok" : "FAIL", what);
  if (!ok)
    ++failures;
}

} // namespace

int main(int argc, char** argv) {
  const char* expect_cuda = argc == 3 && std::strcmp(argv[1], "--expect-cuda") == 0 ? argv[2]
                                                                                    : nullptr;
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto host = sys.spawn(host_impl);
  auto h = self->request(host, 10s, outside::twice{21}).get();
  expect(h.has_value() && *h == 42, "a host actor answers a request");
  auto kernel = spawn_kernel<outside::doubler_actor>(sys, outside::doubler{},
                                                     {.backend = kernel_backend::cpu});
  auto k = self->request(kernel, 10s, outside::twice{21}).get();
  expect(k.has_value() && *k == 42, "a kernel actor on the CPU backend answers a request");
  if (expect_cuda != nullptr) {
    bool want = std::strcmp(expect_cuda, "yes") == 0;
    expect(cuda_backend_compiled() == want,
           want ? "the CUDA backend is linked" : "the CUDA backend is not linked");
  }
  return failures == 0 ? 0 : 1;
}
