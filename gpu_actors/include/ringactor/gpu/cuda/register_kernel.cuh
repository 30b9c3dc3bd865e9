// ringactor: the device side of the CUDA backend (nvcc only): the grid
// policy that runs the kernel loop on a real grid, the __global__ entry
// point, and RINGACTOR_CUDA_KERNEL, which instantiates it for a kernel type
// and registers it with the host side.
//
//   // my_kernels.cu
//   #include <ringactor/gpu/cuda/register_kernel.cuh>
//   #include "my_kernel.hpp"
//   RINGACTOR_CUDA_KERNEL(my_kernel)
#pragma once

#if !defined(__CUDACC__)
#  error "ringactor/gpu/cuda/register_kernel.cuh is for .cu files compiled by nvcc"
#endif

#include <cstdint>

#include <cooperative_groups.h>

#include "ringactor/gpu/cuda_backend.hpp"
#include "ringactor/gpu/doorbell.hpp"
#include "ringactor/gpu/kernel_loop.hpp"
#include "ringactor/gpu/kernel_params.hpp"

namespace ringactor::detail {

/// The kernel loop's view of a real CUDA grid.
class cuda_grid {
public:
  __device__ bool is_leader() const noexcept { return blockIdx.x == 0 && threadIdx.x == 0; }

  /// A grid-wide barrier: cooperative groups for several blocks (the host
  /// launched cooperatively), __syncthreads for one. Both order memory for
  /// the grid's threads.
  __device__ void sync() noexcept {
    if (gridDim.x > 1)
      cooperative_groups::this_grid().sync();
    else if (blockDim.x > 1)
      __syncthreads();
  }

  __device__ grid_dim dim() const noexcept { return grid_dim{gridDim.x, blockDim.x}; }

  template <class F>
  __device__ void for_each_thread(F&& f) {
    f(thread_coord{blockIdx.x, threadIdx.x});
  }

  __device__ std::uint64_t now_ns() const noexcept {
    std::uint64_t t;
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
    return t;
  }

  /// While H2K stays empty: poll at once, then back off exponentially up to
  /// about a microsecond, so that an idle kernel does not flood the bus with
  /// reads of mapped memory but still answers within ~1 us.
  template <class Ready>
  __device__ void idle(std::uint32_t n, doorbell&, Ready&&) noexcept {
    backoff(n);
  }

  /// While K2H stays full (the host is behind).
  __device__ void backoff(std::uint32_t n) noexcept {
    if (n >= 4)
      __nanosleep(n >= 9 ? 1024u : 32u << (n - 4));
  }

  /// A device cannot wake a host thread: host waiters on a CUDA kernel poll.
  __device__ void notify_host(doorbell&) noexcept {}
};

template <class Kernel>
__global__ void kernel_loop_entry(kernel_params params) {
  cuda_grid grid;
  run_kernel_loop<Kernel>(params, grid);
}

template <class Kernel>
struct cuda_kernel_registrar {
  explicit cuda_kernel_registrar(const char* name) noexcept {
    static cuda_kernel_entry entry{name, reinterpret_cast<const void*>(&kernel_loop_entry<Kernel>),
                                   sizeof(Kernel), nullptr};
    cuda_kernel_entry_of<Kernel> = &entry;
    register_cuda_kernel(entry);
  }
};

} // namespace ringactor::detail

#define RINGACTOR_CUDA_KERNEL_CONCAT_(a, b) a##b
#define RINGACTOR_CUDA_KERNEL_CONCAT(a, b) RINGACTOR_CUDA_KERNEL_CONCAT_(a, b)

/// Compiles the kernel loop for `Kernel` (a type name) and registers it, so
/// that make_cuda_runner<Kernel> (and spawn_kernel with the CUDA backend)
/// can launch it. Use once per kernel type, at namespace scope in a .cu file.
#define RINGACTOR_CUDA_KERNEL(...)                                     \
  static const ::ringactor::detail::cuda_kernel_registrar<__VA_ARGS__> \
    RINGACTOR_CUDA_KERNEL_CONCAT(ringactor_cuda_kernel_registrar_, __COUNTER__){#__VA_ARGS__};
