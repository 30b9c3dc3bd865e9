// device_buffer: a large buffer travels by reference to a kernel actor and
// back; a released buffer is detected.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <new>
#include <stdexcept>
#include <vector>

#include <ringactor/all.hpp>
#include <ringactor/gpu/device_buffer.hpp>
#include <ringactor/gpu/kernel_actor.hpp>

using namespace ringactor;
using namespace std::chrono_literals;

namespace {

constexpr auto buffer_patience = 20s;

/// Multiplies every element of `buf` by `factor`; answered with the count.
struct scale_buffer {
  device_buffer<float> buf;
  float factor;
};

/// Each rank of the grid scales a contiguous chunk (the CPU-friendly split,
/// see docs/kernels.md). A dead handle makes the kernel fault rather
/// than touch freed memory.
struct buffer_scaler {
  using inputs = message_list<scale_buffer>;

  template <class Ctx>
  RINGACTOR_DEVICE std::uint64_t handle(Ctx& ctx, const scale_buffer& m) const {
    float* data = m.buf.data();
    if (data == nullptr) {
      ctx.fault(static_cast<std::uint32_t>(gpu_error::buffer_released));
      return 0;
    }
    auto n = m.buf.size();
    auto per = (n + ctx.grid_size() - 1) / ctx.grid_size();
    auto begin = std::min<std::uint64_t>(n, per * ctx.thread_rank());
    auto end = std::min<std::uint64_t>(n, begin + per);
    for (auto i = begin; i < end; ++i)
      data[i] *= m.factor;
    return n;
  }
};

using scaler_if = typed_actor<result<std::uint64_t>(scale_buffer)>;

kernel_config cpu_grid() {
  kernel_config cfg;
  cfg.backend = kernel_backend::cpu;
  cfg.grid = {.blocks = 2, .threads = 4};
  return cfg;
}

} // namespace

TEST_SUITE_BEGIN("gpu_actors");

TEST_CASE("a kernel scales a device_buffer of 1,000,000 floats named in a message") {
  static_assert(std::is_trivially_copyable_v<device_buffer<float>>);
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto owner = allocate_device_buffer<float>(sys, 1'000'000, kernel_backend::cpu);
  REQUIRE(owner.size() == 1'000'000);
  // The portable way in and out (cudaMemcpy on CUDA, memcpy here).
  std::vector<float> input(owner.size());
  for (std::size_t i = 0; i < input.size(); ++i)
    input[i] = static_cast<float>(i % 1000);
  owner.copy_from_host(input.data(), input.size());
  auto k = spawn_kernel<scaler_if>(sys, buffer_scaler{}, cpu_grid());
  auto n = self->request(k, buffer_patience, scale_buffer{owner.handle(), 2.0f}).get();
  REQUIRE(n);
  CHECK(*n == 1'000'000);
  // The reply orders the kernel's writes before these reads.
  std::vector<float> output(owner.size());
  owner.copy_to_host(output.data(), output.size());
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < output.size(); ++i)
    wrong += output[i] != 2.0f * static_cast<float>(i % 1000) ? 1 : 0;
  CHECK(wrong == 0);
  // On the CPU backend the host also reaches the memory directly.
  REQUIRE(owner.host_visible());
  CHECK(owner.host_data()[999'999] == 2.0f * 999.0f);
}

TEST_CASE("device_buffer copies outside the buffer throw and copy nothing") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto owner = allocate_device_buffer<int>(sys, 8, kernel_backend::cpu);
  std::vector<int> data(9, 7);
  CHECK_THROWS_AS(owner.copy_from_host(data.data(), 9), std::out_of_range);
  CHECK_THROWS_AS(owner.copy_from_host(data.data(), 1, 8), std::out_of_range);
  CHECK(std::all_of(owner.host_data(), owner.host_data() + 8, [](int x) { return x == 0; }));
  owner.copy_from_host(data.data(), 2, 6); // the last two
  std::vector<int> back(8, -1);
  owner.copy_to_host(back.data(), 8);
  CHECK(back == std::vector<int>{0, 0, 0, 0, 0, 0, 7, 7});
  owner.release();
  CHECK_THROWS_AS(owner.copy_to_host(back.data(), 1), std::out_of_range);
}

TEST_CASE("a device_buffer larger than memory can address is refused, not allocated short") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  // 2^61 + 1 elements of 8 bytes: the byte count wraps around to 8.
  CHECK_THROWS_AS(allocate_device_buffer<std::uint64_t>(sys, (std::uint64_t{1} << 61) + 1,
                                                        kernel_backend::cpu),
                  std::length_error);
  // The byte count fits, but rounding it up to whole cache lines wraps to 0.
  CHECK_THROWS_AS(allocate_device_buffer<std::byte>(sys, std::numeric_limits<std::uint64_t>::max(),
                                                    kernel_backend::cpu),
                  std::bad_alloc);
}

TEST_CASE("a released device_buffer's handles are dead") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto owner = allocate_device_buffer<int>(sys, 16, kernel_backend::cpu);
  auto h = owner.handle();
  CHECK(h.live());
  auto moved = std::move(owner);
  CHECK(h.live()); // moving the owner keeps the memory
  moved.release();
  CHECK_FALSE(h.live());
  auto again = allocate_device_buffer<int>(sys, 16, kernel_backend::cpu);
  CHECK_FALSE(h.live()); // even when the registry slot is reused
  CHECK(again.handle().live());
#ifndef NDEBUG
  auto before = released_buffer_uses();
  CHECK(h.data() == nullptr);
  CHECK(released_buffer_uses() == before + 1);
#endif
}

#ifndef NDEBUG
TEST_CASE("a kernel handed a released device_buffer faults instead of touching freed memory") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto owner = allocate_device_buffer<float>(sys, 1024, kernel_backend::cpu);
  auto h = owner.handle();
  owner.release();
  auto k = spawn_kernel<scaler_if>(sys, buffer_scaler{}, cpu_grid());
  self->monitor(k);
  auto r = self->request(k, buffer_patience, scale_buffer{h, 2.0f}).get();
  REQUIRE_FALSE(r);
  CHECK(r.error() == gpu_error::kernel_fault);
  error reason;
  CHECK(self->receive_for(buffer_patience, [&](down_msg& d) { reason = d.reason; }));
  CHECK(reason == gpu_error::kernel_fault);
}
#endif
