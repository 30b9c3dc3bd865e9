// Residency and the completion poller's pacing on a real device (doctest
// suite "cuda_device": the meson test gpu_actors_cuda runs them, and reports
// them as skipped without a device). Without one, residency_test.cpp covers
// the same logic on the host.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <ringactor/all.hpp>
#include <ringactor/gpu/channel.hpp>
#include <ringactor/gpu/cuda_backend.hpp>
#include <ringactor/gpu/detail/kernel_session.hpp>
#include <ringactor/gpu/kernel_actor.hpp>
#include <ringactor/gpu/kernels/adder.hpp>

#include "test_util.hpp"

using namespace ringactor;
using namespace gpu_test;
using namespace std::chrono_literals;
using kernels::add;
using kernels::adder;

namespace {

using adder_if = typed_actor<result<std::int32_t>(add), result<std::int64_t>(kernels::accumulate)>;

/// One persistent adder on its own mapped channel.
struct resident_adder {
  explicit resident_adder(const cuda_kernel_options& opts)
    : ch(channel_geometry{}, allocate_mapped(kernel_channel::bytes_for(channel_geometry{}))),
      runner(make_cuda_runner(adder{}, ch, opts)) {}
  kernel_channel ch;
  cuda_kernel_runner runner;
};

} // namespace

TEST_SUITE_BEGIN("gpu_actors");

TEST_CASE("persistent CUDA kernels beyond the device's capacity are refused at once, saying what "
          "is free"
          * doctest::test_suite("cuda_device")) {
  if (!have_cuda_device())
    return;
  std::vector<std::unique_ptr<resident_adder>> running;
  std::string refusal;
  // The grid limit (at most 31 with 32 hardware queues) ends this loop long
  // before 200 one-block kernels.
  for (int i = 0; i < 200 && refusal.empty(); ++i) {
    auto k = std::make_unique<resident_adder>(cuda_kernel_options{});
    auto t0 = std::chrono::steady_clock::now();
    try {
      k->runner.start();
      running.push_back(std::move(k));
    } catch (const cuda_error& e) {
      refusal = e.what();
      CHECK(std::chrono::steady_clock::now() - t0 < 1s); // at once, not a hang
    }
  }
  MESSAGE(running.size() << " persistent kernels admitted; then: " << refusal);
  CHECK(refusal.find("cannot be resident") != std::string::npos);
  CHECK(refusal.find("blocks of this kernel") != std::string::npos);
  // Every kernel admitted became resident: none is left launching.
  for (auto& k : running)
    CHECK(eventually(
      k->ch, [&] { return k->ch.control().state() == kernel_state::active; }, 5s));
  // Their end gives the room back.
  for (auto& k : running)
    k->ch.control().request_terminate();
  for (auto& k : running)
    CHECK(k->runner.join(10s) == cuda_kernel_runner::status::exited);
  running.clear();
  resident_adder again{cuda_kernel_options{}};
  CHECK_NOTHROW(again.runner.start());
  again.ch.control().request_terminate();
  CHECK(again.runner.join(10s) == cuda_kernel_runner::status::exited);
}

TEST_CASE("the poller of 10 idle CUDA kernel actors parks about once a millisecond and still "
          "answers at once"
          * doctest::test_suite("cuda_device")) {
  if (!have_cuda_device())
    return;
  actor_system sys{actor_system_config{}.set_workers(2)};
  std::vector<adder_if> kernels;
  for (int i = 0; i < 10; ++i)
    kernels.push_back(spawn_kernel<adder_if>(sys, adder{}, {.backend = kernel_backend::cuda}));
  scoped_actor self{sys};
  for (auto& k : kernels)
    self->request(k, patience, add{1, 2})
      .receive([](std::int32_t sum) { CHECK(sum == 3); },
               [](const error& e) { FAIL("request failed: " << e.message()); });
  auto& poller = detail::completion_poller::of(kernel_backend::cuda, 0);
  std::this_thread::sleep_for(200ms); // past the spin and the first idle parks
  auto t0 = std::chrono::steady_clock::now();
  auto rounds0 = poller.rounds();
  std::this_thread::sleep_for(500ms);
  auto rounds = poller.rounds() - rounds0;
  auto window_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::steady_clock::now() - t0)
                     .count();
  MESSAGE("CUDA poller: " << rounds << " rounds in " << window_ms << " ms with 10 idle kernels");
  CHECK(rounds <= static_cast<std::uint64_t>(window_ms) + 20);
  // A request after the idle spell is answered without waiting out a park.
  auto t1 = std::chrono::steady_clock::now();
  self->request(kernels.front(), patience, add{2, 2})
    .receive([](std::int32_t sum) { CHECK(sum == 4); },
             [](const error& e) { FAIL("request failed: " << e.message()); });
  MESSAGE("round trip after idling: " << std::chrono::duration_cast<std::chrono::microseconds>(
                                           std::chrono::steady_clock::now() - t1)
                                           .count()
                                      << " us");
}

TEST_SUITE_END();
