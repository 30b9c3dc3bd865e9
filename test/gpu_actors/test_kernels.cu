// The test kernels, compiled for CUDA (only when the build has CUDA).
#include <ringactor/gpu/cuda/register_kernel.cuh>

#include "test_kernels.hpp"

RINGACTOR_CUDA_KERNEL(gpu_test::scaler)
RINGACTOR_CUDA_KERNEL(gpu_test::faulty)
RINGACTOR_CUDA_KERNEL(gpu_test::reporter)
RINGACTOR_CUDA_KERNEL(gpu_test::order_checker)
