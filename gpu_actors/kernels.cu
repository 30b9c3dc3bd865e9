// ringactor: the library's own kernels, compiled for CUDA.
#include "ringactor/gpu/cuda/register_kernel.cuh"
#include "ringactor/gpu/kernels/adder.hpp"
#include "ringactor/gpu/kernels/counter.hpp"

RINGACTOR_CUDA_KERNEL(ringactor::kernels::adder)
RINGACTOR_CUDA_KERNEL(ringactor::kernels::counter)
