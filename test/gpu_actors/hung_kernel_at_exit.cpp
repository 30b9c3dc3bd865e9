// A kernel that hangs past its stall timeout is abandoned, not joined: its
// thread may still run when the process exits, after the completion poller
// (a static) is gone. If its handler then returns, the loop delivers its
// reply through the session and rings the poller's doorbell: both must
// still be there. Before they were kept, the address sanitizer reported a
// heap use after free here (the session, freed with the poller's list).
//
// Not a doctest suite: what is checked happens after main returns. An
// atexit handler registered before the first kernel runs after the
// poller's destructor (C++ runs them in reverse order of registration and
// construction); it lets the handler return and waits for the kernel's
// thread to end. The run fails if that thread does not end, or (under
// ASan) if it touches freed memory.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include <ringactor/all.hpp>
#include <ringactor/gpu/kernel_actor.hpp>

#include "test_kernels.hpp"

using namespace ringactor;
using namespace std::chrono_literals;

namespace {

using gated_if = typed_actor<result<std::uint32_t>(gpu_test::wait_for)>;

std::uint32_t gate = 0;

/// Threads of this process, from /proc (-1 if unreadable).
int thread_count() {
  std::ifstream status{"/proc/self/status"};
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("Threads:", 0) == 0)
      return std::stoi(line.substr(8));
  return -1;
}

void release_hung_kernel() {
  // The pollers were destroyed before this runs.
  dev::atomic_store(gate, std::uint32_t{1}, mem_order::release);
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (thread_count() > 1) {
    if (std::chrono::steady_clock::now() > deadline) {
      std::fprintf(stderr, "FAIL: the released kernel's thread did not end (%d threads)\n",
                   thread_count());
      std::_Exit(1);
    }
    std::this_thread::sleep_for(1ms);
  }
  std::fprintf(stderr, "ok: the kernel's thread ended after the pollers were gone\n");
}

} // namespace

int main() {
  if (thread_count() < 0) {
    std::puts("SKIP: /proc/self/status is not readable here");
    return 77;
  }
  std::atexit(release_hung_kernel);
  {
    actor_system sys{actor_system_config{}.set_workers(2)};
    scoped_actor self{sys};
    kernel_config cfg;
    cfg.backend = kernel_backend::cpu;
    cfg.heartbeat_interval = 5ms;
    cfg.stall_timeout = 100ms;
    auto k = spawn_kernel<gated_if>(sys, gpu_test::gated{&gate}, cfg);
    self->monitor(k);
    auto stuck = self->request(k, 20s, gpu_test::wait_for{1});
    error reason;
    if (!self->receive_for(20s, [&](down_msg& d) { reason = d.reason; })
        || reason != gpu_error::kernel_stalled) {
      std::fprintf(stderr, "FAIL: expected the kernel to end with kernel_stalled, got %s\n",
                   to_string(reason).c_str());
      return 1;
    }
    (void) stuck.get();
  }
  // The system is gone; the kernel's thread still spins in its handler.
  if (thread_count() < 2) {
    std::fprintf(stderr, "FAIL: the hung kernel's thread is already gone\n");
    return 1;
  }
  return 0;
}
