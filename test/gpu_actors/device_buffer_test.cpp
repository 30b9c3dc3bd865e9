// device_buffer: a large buffer travels by reference to a kernel actor and
// back; a released buffer is detected.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>

#include <ringactor/all.hpp>
#include <ringactor/gpu/device_buffer.hpp>
#include <ringactor/gpu/kernel_actor.hpp>

using namespace ringactor;
using namespace std::chrono_literals;

namespace {

constexpr auto patience = 20s;

/// Multiplies every element of `buf` by `factor`; answered with the count.
struct scale_buffer {
  device_buffer<float> buf;
  float factor;
};

/// Each rank of the grid scales a contiguous chunk (the CPU-friendly split,
/// see gpu_actors/README.md). A dead handle makes the kernel fault rather
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
  std::fill_n(owner.host_data(), owner.size(), 1.5f);
  auto k = spawn_kernel<scaler_if>(sys, buffer_scaler{}, cpu_grid());
  auto n = self->request(k, patience, scale_buffer{owner.handle(), 2.0f}).get();
  REQUIRE(n);
  CHECK(*n == 1'000'000);
  // The reply orders the kernel's writes before these reads.
  auto* data = owner.host_data();
  CHECK(std::all_of(data, data + owner.size(), [](float x) { return x == 3.0f; }));
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
  auto r = self->request(k, patience, scale_buffer{h, 2.0f}).get();
  REQUIRE_FALSE(r);
  CHECK(r.error() == gpu_error::kernel_fault);
  error reason;
  CHECK(self->receive_for(patience, [&](down_msg& d) { reason = d.reason; }));
  CHECK(reason == gpu_error::kernel_fault);
}
#endif
