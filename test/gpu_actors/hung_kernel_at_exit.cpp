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
#include <algorithm>
#include <filesystem>
#include <set>
#include <string>
#include <system_error>
#include <thread>

#include <ringactor/all.hpp>
#include <ringactor/gpu/kernel_actor.hpp>

#include "test_kernels.hpp"

using namespace ringactor;
using namespace std::chrono_literals;

namespace {

using gated_if = typed_actor<result<std::uint32_t>(gpu_test::wait_for)>;

std::uint32_t gate = 0;
/// The threads spawn_kernel started (the kernel's, the poller's).
std::set<std::string> kernel_threads;

/// The ids of this process's threads, from /proc (empty if unreadable).
std::set<std::string> thread_ids() {
  std::set<std::string> ids;
  std::error_code ec;
  for (auto& e : std::filesystem::directory_iterator{"/proc/self/task", ec})
    ids.insert(e.path().filename().string());
  return ids;
}

/// How many of the kernel's threads still run.
std::size_t kernel_threads_left() {
  auto now = thread_ids();
  return static_cast<std::size_t>(std::count_if(kernel_threads.begin(), kernel_threads.end(),
                                                [&](auto& id) { return now.count(id) != 0; }));
}

void release_hung_kernel() {
  // The pollers were destroyed before this runs.
  dev::atomic_store(gate, std::uint32_t{1}, mem_order::release);
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (kernel_threads_left() > 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      std::fprintf(stderr, "FAIL: the released kernel's thread did not end (%zu left)\n",
                   kernel_threads_left());
      std::_Exit(1);
    }
    std::this_thread::sleep_for(1ms);
  }
  std::fprintf(stderr, "ok: the kernel's thread ended after the pollers were gone\n");
}

} // namespace

int main() {
  if (thread_ids().empty()) {
    std::puts("SKIP: /proc/self/task is not readable here");
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
    auto before = thread_ids();
    auto k = spawn_kernel<gated_if>(sys, gpu_test::gated{&gate}, cfg);
    for (auto& id : thread_ids())
      if (before.count(id) == 0)
        kernel_threads.insert(id);
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
  if (kernel_threads_left() == 0) {
    std::fprintf(stderr, "FAIL: the hung kernel's thread is already gone\n");
    return 1;
  }
  return 0;
}
