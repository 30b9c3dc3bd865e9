// The device-loss test's kernel, compiled for CUDA.
#include <ringactor/gpu/cuda/register_kernel.cuh>

#include "device_loss_kernels.hpp"

RINGACTOR_CUDA_KERNEL(gpu_loss_test::bomb)
