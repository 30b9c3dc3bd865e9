// The raw launch + synchronize floor (launch_floor.hpp).
#include "launch_floor.hpp"

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>

#include <cuda_runtime.h>

#include <ringactor/gpu/kernels/adder.hpp>

namespace bench {

namespace {

__global__ void add_by_value(ringactor::kernels::add m, volatile std::int32_t* answer) {
  *answer = m.a + m.b;
}

void check(cudaError_t err, const char* what) {
  if (err != cudaSuccess)
    throw std::runtime_error(std::string{"launch floor: "} + what + ": " + cudaGetErrorName(err)
                             + ": " + cudaGetErrorString(err));
}

/// The stream (destroyed at the end: that never waits) and the pinned answer
/// slot (kept until the process exits: cudaFreeHost may synchronize the
/// device, and so wait for the persistent kernels the benchmark runs).
struct floor_resources {
  cudaStream_t stream = nullptr;
  std::int32_t* host_answer = nullptr;
  ~floor_resources() {
    if (stream != nullptr)
      cudaStreamDestroy(stream);
  }
};

} // namespace

std::vector<double> launch_floor_round_trips_us(int count) {
  check(cudaSetDevice(0), "cudaSetDevice");
  floor_resources r;
  check(cudaStreamCreateWithFlags(&r.stream, cudaStreamNonBlocking), "cudaStreamCreate");
  check(cudaHostAlloc(reinterpret_cast<void**>(&r.host_answer), sizeof(std::int32_t),
                      cudaHostAllocMapped),
        "cudaHostAlloc");
  std::int32_t* device_answer = nullptr;
  check(cudaHostGetDevicePointer(reinterpret_cast<void**>(&device_answer), r.host_answer, 0),
        "cudaHostGetDevicePointer");
  std::vector<double> samples;
  samples.reserve(static_cast<std::size_t>(count));
  const int warm_up = count / 10;
  for (int i = 0; i < warm_up + count; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    add_by_value<<<1, 1, 0, r.stream>>>(ringactor::kernels::add{i, 1}, device_answer);
    check(cudaGetLastError(), "launch");
    check(cudaStreamSynchronize(r.stream), "cudaStreamSynchronize");
    auto answer = *static_cast<volatile std::int32_t*>(r.host_answer);
    auto t1 = std::chrono::steady_clock::now();
    if (answer != i + 1)
      throw std::runtime_error("launch floor: wrong answer " + std::to_string(answer) + " for "
                               + std::to_string(i) + " + 1");
    if (i >= warm_up)
      samples.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  return samples;
}

} // namespace bench
