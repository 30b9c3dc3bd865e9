// The sample kernel header compiled by nvcc and registered for the CUDA
// backend, as a user's .cu file does it (docs/device-headers.md).
#include <ringactor/gpu/cuda/register_kernel.cuh>

#include "sample_kernel.hpp"

RINGACTOR_CUDA_KERNEL(sample::scaler)
