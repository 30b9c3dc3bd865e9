// NVTX ranges (gpu_actors/nvtx_ranges.hpp) where NVTX is unavailable: this
// file never defines RINGACTOR_HAS_NVTX, as a build without CUDA or without
// the NVTX3 header compiles libringactor-cuda's ranges.
#include <doctest/doctest.h>

#include <type_traits>

#include "../../gpu_actors/nvtx_ranges.hpp"

using ringactor::detail::nvtx_range;

TEST_SUITE_BEGIN("gpu_actors");

TEST_CASE("without NVTX an nvtx range is an empty object that compiles to nothing") {
  static_assert(!ringactor::detail::nvtx_available);
  static_assert(std::is_empty_v<nvtx_range>);
  static_assert(std::is_trivially_destructible_v<nvtx_range>);
  static_assert(std::is_nothrow_constructible_v<nvtx_range, const char*>);
  constexpr nvtx_range at_compile_time{ringactor::detail::nvtx_names::wait_launch};
  (void) at_compile_time;
  nvtx_range range{ringactor::detail::nvtx_names::copy_to_host};
  CHECK(sizeof(range) == 1);
}

TEST_SUITE_END();
