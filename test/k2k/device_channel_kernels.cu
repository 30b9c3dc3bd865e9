// The device channel test kernels compiled for CUDA too, so that nvcc
// compiles ctx.send and the K2K loop path (device code) in every CUDA build.
#include <ringactor/gpu/cuda/register_kernel.cuh>

#include "device_channel_kernels.hpp"

RINGACTOR_CUDA_KERNEL(k2k_device_test::producer)
RINGACTOR_CUDA_KERNEL(k2k_device_test::consumer)
