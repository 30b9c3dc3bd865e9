// The one translation unit that instantiates doctest's runner for every suite.
//
// Tests that need a CUDA device belong to the doctest test suite
// "cuda_device" (`TEST_CASE("..." * doctest::test_suite("cuda_device"))`).
// A plain run leaves them out. With --cuda-device the run is only them, and
// where this program has no CUDA backend or no device it says so and exits
// 77, which meson reports as SKIP (the suites register such a run as a test
// of its own, e.g. gpu_actors_cuda).
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <cstring>
#include <vector>

#include <ringactor/gpu/cuda_backend.hpp>

namespace {

constexpr const char* cuda_device_suite = "cuda_device";
constexpr int exit_skipped = 77; // meson's "skipped"

} // namespace

int main(int argc, char** argv) {
  std::vector<char*> args;
  bool cuda_device = false;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--cuda-device") == 0)
      cuda_device = true;
    else
      args.push_back(argv[i]);
  }
  if (cuda_device) {
    if (!ringactor::cuda_backend_compiled()) {
      std::puts("no CUDA backend (this program does not link ringactor-cuda): skipped");
      return exit_skipped;
    }
    if (ringactor::cuda_device_count() == 0) {
      std::puts("no CUDA device: skipped");
      return exit_skipped;
    }
  }
  doctest::Context context;
  context.addFilter(cuda_device ? "test-suite" : "test-suite-exclude", cuda_device_suite);
  context.applyCommandLine(static_cast<int>(args.size()), args.data());
  return context.run();
}
