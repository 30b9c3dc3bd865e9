// The pipeline's kernel worker compiled for CUDA, so that `--backend auto`
// runs the workers on the GPU when one is usable and `--backend cuda` works.
#include <ringactor/gpu/cuda/register_kernel.cuh>

#include "scorer_kernel.hpp"

RINGACTOR_CUDA_KERNEL(pipeline::scorer_kernel)
