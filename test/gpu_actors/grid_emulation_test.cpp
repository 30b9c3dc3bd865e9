// The CPU backend's emulated grid: every (block, thread) runs each handler
// once, with the indices a CUDA grid of that shape would have.
#include <doctest/doctest.h>

#include <cstdint>
#include <numeric>
#include <vector>

#include <ringactor/gpu/channel.hpp>
#include <ringactor/gpu/cpu_backend.hpp>

#include "test_kernels.hpp"
#include "test_util.hpp"

using namespace ringactor;
using namespace gpu_test;

TEST_SUITE_BEGIN("gpu_actors");

TEST_CASE("every emulated thread runs the handler once per message with its own indices") {
  for (auto emulation : {cpu_grid_emulation::sequential, cpu_grid_emulation::thread_per_block}) {
    CAPTURE(static_cast<int>(emulation));
    const grid_dim grid{.blocks = 3, .threads = 5};
    std::vector<std::uint32_t> seen(3 * grid.size(), 0);
    kernel_channel ch;
    cpu_kernel_runner<coordinates_recorder> runner{
      coordinates_recorder{seen.data()}, ch, {.grid = grid, .emulation = emulation}};
    runner.start();
    for (std::uint32_t round = 1; round <= 4; ++round) {
      REQUIRE(ch.try_send_message<coordinates_recorder>(where{round}, round));
      auto r = receive(ch);
      REQUIRE(r);
      CHECK(r->as<std::uint32_t>() == grid.size() * 1000 + grid.threads);
    }
    ch.control().request_drain();
    runner.join();
    for (std::uint32_t rank = 0; rank < grid.size(); ++rank) {
      CAPTURE(rank);
      CHECK(seen[3 * rank] == rank / grid.threads);
      CHECK(seen[3 * rank + 1] == rank % grid.threads);
      CHECK(seen[3 * rank + 2] == 4);
    }
  }
}

TEST_CASE("a data-parallel kernel scales a million floats the same under both emulations") {
  constexpr std::uint32_t n = 1'000'000;
  for (auto emulation : {cpu_grid_emulation::sequential, cpu_grid_emulation::thread_per_block}) {
    CAPTURE(static_cast<int>(emulation));
    std::vector<float> data(n);
    std::iota(data.begin(), data.end(), 0.0f);
    kernel_channel ch;
    cpu_kernel_runner<scaler> runner{
      scaler{data.data(), n}, ch, {.grid = {.blocks = 2, .threads = 64}, .emulation = emulation}};
    runner.start();
    REQUIRE(ch.try_send_message<scaler>(scale{2.0f}, 1));
    REQUIRE(ch.try_send_message<scaler>(scale{0.5f}, 2));
    REQUIRE(ch.try_send_message<scaler>(scale{3.0f}, 3));
    for (int i = 0; i < 3; ++i)
      REQUIRE(receive(ch)); // unit replies: the work is done when they arrive
    std::uint32_t wrong = 0;
    for (std::uint32_t i = 0; i < n; ++i)
      if (data[i] != static_cast<float>(i) * 3.0f)
        ++wrong;
    CHECK(wrong == 0);
    ch.control().request_drain();
    runner.join();
  }
}

TEST_SUITE_END();
