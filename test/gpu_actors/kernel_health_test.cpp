// Kernel actors in actor_system::health(): each kernel's heartbeat in
// readiness, its completion poller in liveness (CPU backend).
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <string>

#include <ringactor/all.hpp>
#include <ringactor/gpu/kernel_actor.hpp>

#include "../test_util.hpp"
#include "test_kernels.hpp"

using namespace ringactor;
using namespace std::chrono_literals;

namespace {

using gated_if = typed_actor<result<std::uint32_t>(gpu_test::wait_for)>;

/// The readiness entry of the one kernel named `name`, or nullptr.
const component_health* kernel_entry(const health_report& r, const std::string& name) {
  for (auto& c : r.components)
    if (c.component.starts_with("kernel." + name + "."))
      return &c;
  return nullptr;
}

} // namespace

TEST_CASE("a running kernel is ready with a fresh heartbeat and its poller is live") {
  // Declared before the system, so it outlives it: a kernel still
  // draining at shutdown may read it.
  std::uint32_t gate = 0;
  actor_system sys{actor_system_config{}.set_workers(2)};
  kernel_config cfg;
  cfg.backend = kernel_backend::cpu;
  cfg.name = "gated";
  auto k = spawn_kernel<gated_if>(sys, gpu_test::gated{&gate}, cfg);
  auto ready = sys.health().readiness();
  auto entry = kernel_entry(ready, "gated");
  REQUIRE(entry != nullptr);
  CHECK(entry->ok);
  CHECK(entry->component == "kernel.gated." + std::to_string(k.id()));
  auto live = sys.health().liveness();
  REQUIRE(live.find("gpu.poller.cpu") != nullptr);
  CHECK(live.find("gpu.poller.cpu")->ok);
  CHECK(live.ok);
  anon_send_exit(k, exit_reason::user_shutdown);
  // The entry goes with the kernel.
  CHECK(test_util::eventually([&] {
    return kernel_entry(sys.health().readiness(), "gated") == nullptr;
  }));
}

TEST_CASE("a kernel whose heartbeat stopped is not ready, naming the stall, until it ends") {
  // Declared before the system, so it outlives it: a kernel still
  // draining at shutdown may read it.
  std::uint32_t gate = 0;
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  kernel_config cfg;
  cfg.backend = kernel_backend::cpu;
  cfg.name = "stuck";
  cfg.heartbeat_interval = 5ms;
  cfg.stall_timeout = 200ms;
  auto k = spawn_kernel<gated_if>(sys, gpu_test::gated{&gate}, cfg);
  self->monitor(k);
  auto stuck = self->request(k, 20s, gpu_test::wait_for{1}); // spins until the gate opens
  // The watchdog ends the actor; the kernel's loop still spins on the gate.
  error down;
  self->receive_for(20s, [&](down_msg& d) { down = d.reason; });
  REQUIRE(down == gpu_error::kernel_stalled);
  std::string reason;
  REQUIRE(test_util::eventually([&] {
    auto r = sys.health().readiness();
    auto e = kernel_entry(r, "stuck");
    if (e == nullptr || e->ok)
      return false;
    reason = e->reason;
    return true;
  }));
  CHECK(reason.find("stalled: no heartbeat for") != std::string::npos);
  CHECK_FALSE(sys.health().readiness().ok);
  // Open the gate: the kernel's loop can end, and its entry goes.
  dev::atomic_store(gate, std::uint32_t{1}, mem_order::release);
  CHECK(test_util::eventually(
    [&] { return kernel_entry(sys.health().readiness(), "stuck") == nullptr; }, 20s));
  stuck.receive([](std::uint32_t) {}, [](const error&) {});
}
