// The CUDA backend. The tests that need a device are in the doctest suite
// "cuda_device", which the meson test gpu_actors_cuda runs (and reports as
// skipped without a device; test/doctest_main.cpp). On a GPU machine:
//   meson setup build-gpu -Dcuda=enabled -Dgpu_arch=9.0 && meson test -C build-gpu gpu_actors_cuda
#include <doctest/doctest.h>

#include <cstdint>
#include <stdexcept>
#include <vector>

#include <ringactor/gpu/channel.hpp>
#include <ringactor/gpu/cuda_backend.hpp>
#include <ringactor/gpu/k2k_port.hpp>
#include <ringactor/gpu/kernel_ports.hpp>
#include <ringactor/gpu/kernels/adder.hpp>

#include "test_kernels.hpp"
#include "test_util.hpp"

using namespace ringactor;
using namespace gpu_test;
using kernels::accumulate;
using kernels::add;
using kernels::adder;

namespace {

/// A kernel that no .cu file registers.
struct unregistered {
  using inputs = message_list<add>;
  template <class Ctx>
  RINGACTOR_DEVICE int handle(Ctx&, const add& m) const {
    return m.a;
  }
};

/// A channel in pinned memory mapped into the device; host waiters poll.
struct cuda_channel {
  explicit cuda_channel(channel_geometry g = {})
    : ch(g, allocate_mapped(kernel_channel::bytes_for(g))) {
    ch.set_poll_slice(50us);
  }
  kernel_channel ch;
};

} // namespace

TEST_SUITE_BEGIN("gpu_actors");

TEST_CASE("without the CUDA backend, or a device, a CUDA runner is refused with an error") {
  if (cuda_backend_compiled() && cuda_device_count() > 0) {
    MESSAGE("skipped: this machine has a CUDA device");
    return;
  }
  kernel_channel ch;
  CHECK_THROWS_AS(make_cuda_runner(adder{}, ch), cuda_error);
}

TEST_CASE("a kernel no .cu file registered cannot run on CUDA, and the error says why") {
  kernel_channel ch;
  // Without ringactor-cuda (a build without CUDA) the error says to link it.
  CHECK_THROWS_WITH_AS(make_cuda_runner(unregistered{}, ch),
                       doctest::Contains(cuda_backend_compiled() ? "RINGACTOR_CUDA_KERNEL"
                                                                 : "link libringactor-cuda"),
                       cuda_error);
}

TEST_CASE("the adder runs as a persistent CUDA kernel and answers requests"
          * doctest::test_suite("cuda_device")) {
  if (!have_cuda_device())
    return;
  cuda_channel c;
  auto runner = make_cuda_runner(adder{.total = 1}, c.ch, {.kernel_id = 3});
  runner.start();
  for (std::int32_t i = 0; i < 1000; ++i) {
    REQUIRE(c.ch.try_send_message<adder>(add{i, 7}, 1 + i));
    auto r = receive(c.ch, 10s);
    REQUIRE(r);
    CHECK(r->header.request_id == static_cast<std::uint64_t>(1 + i));
    CHECK(r->as<std::int32_t>() == i + 7);
  }
  REQUIRE(c.ch.try_send_message<adder>(accumulate{41}, 5000));
  auto total = receive(c.ch, 10s);
  REQUIRE(total);
  CHECK(total->as<std::int64_t>() == 42);
  auto cb = c.ch.control();
  CHECK(cb.state() == kernel_state::active);
  CHECK(cb.heartbeat() > 0);
  cb.request_drain();
  CHECK(runner.join(10s) == cuda_kernel_runner::status::exited);
  CHECK(cb.state() == kernel_state::terminated);
  CHECK(cb.messages_processed() == 1001);
  adder back{};
  runner.read_state(&back);
  CHECK(back.total == 42);
}

TEST_CASE("device memory is allocated, copied and freed while a persistent CUDA kernel runs"
          * doctest::test_suite("cuda_device")) {
  if (!have_cuda_device())
    return;
  cuda_channel c;
  auto runner = make_cuda_runner(adder{.total = 0}, c.ch, {.kernel_id = 3});
  runner.start();
  REQUIRE(c.ch.try_send_message<adder>(add{1, 2}, 1));
  REQUIRE(receive(c.ch, 10s));
  {
    // None of these may wait for the running kernel (cudaFree and the legacy
    // stream would, forever): the test would hang here.
    auto memory = allocate_device(1 << 20);
    CHECK(memory.host() == nullptr);
    REQUIRE(memory.device() != nullptr);
    std::vector<std::uint32_t> in(1024), out(1024);
    for (std::uint32_t i = 0; i < in.size(); ++i)
      in[i] = i * 7 + 1;
    copy_host_to_device(memory.device() + 4096, in.data(), in.size() * sizeof(std::uint32_t));
    copy_device_to_host(out.data(), memory.device() + 4096, out.size() * sizeof(std::uint32_t));
    CHECK(out == in);
    std::uint32_t zero = 1;
    copy_device_to_host(&zero, memory.device(), sizeof zero);
    CHECK(zero == 0);
  }
  // The kernel still answers.
  REQUIRE(c.ch.try_send_message<adder>(add{3, 4}, 2));
  auto r = receive(c.ch, 10s);
  REQUIRE(r);
  CHECK(r->as<std::int32_t>() == 7);
  c.ch.control().request_drain();
  CHECK(runner.join(10s) == cuda_kernel_runner::status::exited);
}

namespace {

void check_k2k_channel_memory(kernel_backend backend) {
  constexpr std::uint32_t capacity = 8, slot_size = 128;
  auto bytes = k2k_channel_bytes(capacity, slot_size);
  auto memory = allocate_k2k_channel(backend, 0, bytes);
  REQUIRE(memory.size() >= bytes);
  // The host never needs a host view (CUDA gives none).
  CHECK((memory.host() == nullptr) == (backend == kernel_backend::cuda));
  auto fresh = read_k2k_channel_counters(memory);
  CHECK(fresh.produced == 0);
  CHECK(fresh.consumed == 0);
  CHECK(fresh.queue_full == 0);
  k2k_channel_header h;
  h.produced = 7;
  h.queue_full = 2;
  h.consumed = 3;
  write_k2k_channel(memory, 0, &h, sizeof h);
  auto c = read_k2k_channel_counters(memory);
  CHECK(c.produced == 7);
  CHECK(c.consumed == 3);
  CHECK(c.queue_full == 2);
  // Writes beyond the channel are refused, and change nothing.
  CHECK_THROWS_AS(write_k2k_channel(memory, bytes - 4, &h, sizeof h), std::out_of_range);
  CHECK(read_k2k_channel_counters(memory).produced == 7);
}

} // namespace

TEST_CASE("device channel memory is written and read through copies on the CPU backend") {
  check_k2k_channel_memory(kernel_backend::cpu);
}

TEST_CASE("device channel memory is written and read through copies on CUDA"
          * doctest::test_suite("cuda_device")) {
  if (have_cuda_device())
    check_k2k_channel_memory(kernel_backend::cuda);
}

TEST_CASE("a multi-block CUDA kernel scales a mapped buffer" * doctest::test_suite("cuda_device")) {
  if (!have_cuda_device())
    return;
  constexpr std::uint32_t n = 1 << 20;
  auto buffer = allocate_mapped(n * sizeof(float));
  auto* host = reinterpret_cast<float*>(buffer.host());
  for (std::uint32_t i = 0; i < n; ++i)
    host[i] = static_cast<float>(i);
  cuda_channel c;
  auto runner = make_cuda_runner(scaler{reinterpret_cast<float*>(buffer.device()), n}, c.ch,
                                 {.grid = {.blocks = 8, .threads = 256}});
  runner.start();
  REQUIRE(c.ch.try_send_message<scaler>(scale{2.0f}, 1));
  REQUIRE(receive(c.ch, 10s));
  std::uint32_t wrong = 0;
  for (std::uint32_t i = 0; i < n; ++i)
    if (host[i] != 2.0f * static_cast<float>(i))
      ++wrong;
  CHECK(wrong == 0);
  c.ch.control().request_terminate();
  CHECK(runner.join(10s) == cuda_kernel_runner::status::exited);
}

TEST_CASE("a grid that cannot be resident at once is refused, not launched into a deadlock"
          * doctest::test_suite("cuda_device")) {
  if (!have_cuda_device())
    return;
  cuda_channel c;
  auto runner = make_cuda_runner(scaler{nullptr, 0}, c.ch,
                                 {.grid = {.blocks = 1u << 20, .threads = 1024}});
  CHECK_THROWS_WITH_AS(runner.start(), doctest::Contains("cannot be resident"), cuda_error);
}

TEST_CASE("a CUDA handler's fault ends the kernel in faulted with its code"
          * doctest::test_suite("cuda_device")) {
  if (!have_cuda_device())
    return;
  cuda_channel c;
  auto runner = make_cuda_runner(faulty{}, c.ch);
  runner.start();
  REQUIRE(c.ch.try_send_message<faulty>(fail{9}, 1));
  auto err = receive(c.ch, 10s);
  REQUIRE(err);
  CHECK(err->header.kind == slot_kind::error);
  CHECK(runner.join(10s) == cuda_kernel_runner::status::exited);
  CHECK(c.ch.control().state() == kernel_state::faulted);
  CHECK(c.ch.control().fault_detail() == 9);
}

TEST_CASE("launch mode on CUDA handles one message per launch and synchronize"
          * doctest::test_suite("cuda_device")) {
  if (!have_cuda_device())
    return;
  cuda_channel c;
  auto runner = make_cuda_runner(adder{}, c.ch, {.mode = loop_mode::launch});
  for (std::int64_t i = 1; i <= 3; ++i)
    REQUIRE(c.ch.try_send_message<adder>(accumulate{i}, i));
  runner.launch();
  CHECK(c.ch.control().messages_processed() == 1);
  runner.launch();
  runner.launch();
  CHECK(c.ch.control().messages_processed() == 3);
  for (std::int64_t t : {1, 3, 6}) {
    auto r = receive(c.ch, 10s);
    REQUIRE(r);
    CHECK(r->as<std::int64_t>() == t);
  }
}

TEST_SUITE_END();
