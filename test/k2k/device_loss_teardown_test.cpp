// K2K teardown after a hard fault (issue 17, defect 8), on a simulated CUDA
// device (test/simulated_cuda.hpp): a kernel killed by a device fault never
// writes its control block again nor acknowledges anything, so the broker
// must take the host's word (the stream failed, the device is lost) that its
// loop ended, and free the device channels at once rather than wait 10 s per
// channel and leak them.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>

#include <ringactor/all.hpp>
#include <ringactor/gpu/device_health.hpp>
#include <ringactor/gpu/kernel_actor.hpp>
#include <ringactor/k2k/broker.hpp>

#include "device_channel_kernels.hpp"
#include "k2k_test_util.hpp"
#include "simulated_cuda.hpp"
#include "test_util.hpp"

using namespace ringactor;
using namespace std::chrono_literals;
using k2k_device_test::consumer;
using k2k_device_test::counts;
using k2k_device_test::emit;
using k2k_device_test::emitted;
using k2k_device_test::get_counts;
using k2k_device_test::producer;
using k2k_device_test::token;
using k2k_test::eventually;
using k2k_test::stats_of;

namespace {

using producer_if = typed_actor<result<emitted>(emit)>;
using consumer_if = typed_actor<result<counts>(get_counts), result<void>(token)>;

constexpr std::uint32_t node = 7;

kernel_config on_device_0(const char* name) {
  kernel_config cfg;
  cfg.backend = kernel_backend::cuda;
  cfg.device = 0;
  cfg.name = name;
  cfg.heartbeat_interval = 10ms;
  // The simulated kernel killed by the fault is a host thread that the
  // test's gate holds: its proxy stops waiting for it after this long.
  cfg.stall_timeout = 1s;
  return cfg;
}

} // namespace

TEST_SUITE_BEGIN("k2k");

TEST_CASE("after a device fault, the broker frees the dead kernels' device channels at once "
          "instead of waiting for acknowledgements they never send") {
  // Held by the consumer's handler; its thread may outlive the test.
  static std::uint32_t gate = 0;
  test_util::log_capture log;
  test::simulated_cuda gpu{1};
  const auto kernels_before = live_kernel_count();
  gpu.simulate<producer>();
  gpu.simulate<consumer>();
  {
    actor_system sys{actor_system_config{}.set_workers(2)};
    scoped_actor self{sys};
    auto b = k2k::spawn_broker(sys, {.clock = std::make_shared<k2k::hybrid_clock>(node)});
    auto prod = spawn_kernel<producer_if>(sys, producer{}, on_device_0("prod"));
    consumer c;
    c.gate = &gate;
    c.sender = k2k_address("prod");
    c.node = node;
    auto cons = spawn_kernel<consumer_if>(sys, c, on_device_0("cons"));
    for (auto [name, h] :
         {std::pair{"prod", actor_cast<actor>(prod)}, std::pair{"cons", actor_cast<actor>(cons)}}) {
      auto r = self->request(b, 5s, k2k::register_endpoint{name, h}).get();
      REQUIRE(r.has_value());
    }
    REQUIRE(stats_of(self, b).device_channel("prod", "cons") != nullptr);
    // The consumer takes the first token and waits at the gate: from here
    // on it neither acknowledges nor updates its control block, as a kernel
    // the device fault kills.
    auto sent = self->request(prod, 5s, emit{k2k_address("cons"), 0, 4, 1}).get();
    REQUIRE(sent.has_value());
    REQUIRE_EQ(sent->sent, 4u);
    auto start = std::chrono::steady_clock::now();
    gpu.inject(0, 700); // cudaErrorIllegalAddress
    bool torn_down = eventually(
      [&] {
        auto st = stats_of(self, b);
        return st.registered_endpoints == 0 && st.device_channels_retiring == 0;
      },
      8s);
    auto took = std::chrono::steady_clock::now() - start;
    CHECK(torn_down);
    CHECK_MESSAGE(took < 5s, std::chrono::duration_cast<std::chrono::milliseconds>(took).count(),
                  " ms");
    CHECK(cuda_device_lost(0));
    // Freed, not abandoned: abandoning a channel leaks its memory, and says so.
    CHECK_FALSE(log.contains("leaked"));
    // Lets the consumer's host thread finish (Pairs with its acquire load).
    dev::atomic_store(gate, std::uint32_t{1}, mem_order::release);
    // The killed kernels' host threads end and are joined before the test
    // does (a thread still running at process exit would be abandoned).
    CHECK(eventually([&] { return live_kernel_count() <= kernels_before; }, 20s));
  }
}
