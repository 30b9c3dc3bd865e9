// Device loss on a real GPU (doctest suite "cuda_device"; skips without
// one). A program of its own: the sticky error it provokes leaves the CUDA
// context unusable for the rest of the process, which would fail every later
// CUDA test of a shared binary.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <ringactor/all.hpp>
#include <ringactor/gpu/device_health.hpp>
#include <ringactor/gpu/kernel_actor.hpp>
#include <ringactor/gpu/kernels/counter.hpp>

#include "device_loss_kernels.hpp"
#include "test_util.hpp"

using namespace ringactor;
using namespace std::chrono_literals;
using gpu_loss_test::bomb;
using gpu_loss_test::detonate;
using gpu_loss_test::echo;
using gpu_test::have_cuda_device;
using kernels::count;
using kernels::counter_state;
using kernels::read_counter;

namespace {

using bomb_if = typed_actor<result<void>(detonate), result<std::int32_t>(echo)>;
using counter_if = typed_actor<result<std::int64_t>(count), result<counter_state>(read_counter)>;

kernel_config on_cuda(kernel_backend backend = kernel_backend::cuda) {
  kernel_config cfg;
  cfg.backend = backend;
  cfg.device = 0;
  return cfg;
}

} // namespace

TEST_CASE("an illegal address in one CUDA kernel ends every kernel actor on the device with "
          "device_lost; automatic spawns then run on the CPU and cuda spawns are refused"
          * doctest::test_suite("cuda_device")) {
  if (!have_cuda_device())
    return;
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto b = spawn_kernel<bomb_if>(sys, bomb{}, on_cuda());
  REQUIRE_EQ(self->request(b, 10s, echo{7}).get().value(), 7);
  std::vector<counter_if> others;
  for (int i = 0; i < 2; ++i) {
    others.push_back(spawn_kernel<counter_if>(sys, kernels::counter{}, on_cuda()));
    REQUIRE_EQ(self->request(others.back(), 10s, count{1}).get().value(), 1);
  }
  self->monitor(b);
  for (auto& k : others)
    self->monitor(k);
  auto r = self->request(b, 10s, detonate{}).get();
  REQUIRE_FALSE(r.has_value());
  CHECK_MESSAGE(r.error() == gpu_error::device_lost, to_string(r.error()));
  std::map<actor_addr, error> downs;
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (downs.size() < 3 && std::chrono::steady_clock::now() < deadline)
    self->receive_for(10s, [&](down_msg& d) { downs[d.source] = d.reason; });
  REQUIRE_EQ(downs.size(), 3u);
  for (auto& [who, reason] : downs) {
    CHECK_MESSAGE(reason == gpu_error::device_lost, to_string(reason));
    CHECK_MESSAGE(std::string{reason.context()}.find("CUDA device 0") != std::string::npos,
                  to_string(reason));
  }
  CHECK(cuda_device_lost(0));
  auto cpu = spawn_kernel<counter_if>(sys, kernels::counter{}, on_cuda(kernel_backend::automatic));
  auto st = self->request(actor_cast<actor>(cpu), 10s, get_kernel_stats{}).get<kernel_stats>();
  REQUIRE(st.has_value());
  CHECK_EQ(st->backend, kernel_backend::cpu);
  CHECK_EQ(self->request(cpu, 10s, count{2}).get().value(), 2);
  CHECK_THROWS_WITH_AS(spawn_kernel<counter_if>(sys, kernels::counter{}, on_cuda()),
                       doctest::Contains("CUDA device 0 is lost"), cuda_error);
}
