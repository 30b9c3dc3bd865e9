// k2k_bench's kernels compiled for CUDA, so that `k2k_bench --backend cuda`
// (or auto, with a usable GPU) runs them on the device.
#include <ringactor/gpu/cuda/register_kernel.cuh>

#include "../../test/k2k/device_channel_kernels.hpp"
#include "rally_kernel.hpp"

RINGACTOR_CUDA_KERNEL(bench_k2k::rally)
RINGACTOR_CUDA_KERNEL(k2k_device_test::producer)
RINGACTOR_CUDA_KERNEL(k2k_device_test::consumer)
