// A program that links the core library but not ringactor-cuda: kernels run
// on the CPU backend, and asking for CUDA is an error that says what to link.
// Its own executable: every other test program links ringactor-cuda when the
// build has CUDA.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include <ringactor/actor.hpp>
#include <ringactor/actor_system.hpp>
#include <ringactor/blocking_actor.hpp>
#include <ringactor/gpu/cuda_backend.hpp>
#include <ringactor/gpu/kernel_actor.hpp>
#include <ringactor/gpu/kernel_stats.hpp>
#include <ringactor/gpu/kernels/adder.hpp>
#include <ringactor/typed_actor.hpp>

using namespace ringactor;
using namespace std::chrono_literals;

namespace {

using adder_actor = typed_actor<result<std::int32_t>(kernels::add),
                                result<std::int64_t>(kernels::accumulate)>;

} // namespace

TEST_SUITE_BEGIN("gpu_actors");

TEST_CASE("without ringactor-cuda linked, the program has no CUDA backend and no device") {
  CHECK_FALSE(cuda_backend_compiled());
  CHECK(cuda_device_count() == 0);
  CHECK_FALSE(cuda_memory_pools(0));
}

TEST_CASE("without ringactor-cuda linked, an automatic spawn runs the kernel on the CPU backend") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto a = spawn_kernel<adder_actor>(sys, kernels::adder{}, {.backend = kernel_backend::automatic});
  scoped_actor self{sys};
  auto r = self->request(a, 10s, kernels::add{2, 3}).get();
  REQUIRE(r.has_value());
  CHECK(*r == 5);
  auto st = self->request(actor_cast<actor>(a), 10s, get_kernel_stats{}).get<kernel_stats>();
  REQUIRE(st.has_value());
  CHECK(st->backend == kernel_backend::cpu);
}

TEST_CASE("without ringactor-cuda linked, a CUDA spawn fails with an error that says to link it") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  CHECK_THROWS_WITH_AS(spawn_kernel<adder_actor>(sys, kernels::adder{},
                                                 {.backend = kernel_backend::cuda}),
                       doctest::Contains("link libringactor-cuda"), cuda_error);
  kernel_channel ch;
  CHECK_THROWS_WITH_AS(make_cuda_runner(kernels::adder{}, ch), doctest::Contains("ringactor-cuda"),
                       cuda_error);
  CHECK_THROWS_WITH_AS(allocate_mapped(64), doctest::Contains("ringactor-cuda"), cuda_error);
}

TEST_SUITE_END();
