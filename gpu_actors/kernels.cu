// ringactor: the library's own kernels, compiled for CUDA.
#include "ringactor/gpu/cuda/register_kernel.cuh"
#include "ringactor/gpu/kernels/adder.hpp"

RINGACTOR_CUDA_KERNEL(ringactor::kernels::adder)
