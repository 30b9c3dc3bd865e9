// ringactor: which CUDA errors leave a device unusable, and the process-wide
// record of the devices that a sticky error has lost.
//
// CUDA documents that after an illegal address, a device assert, a trap and
// the like "the process is in an inconsistent state and any further CUDA work
// will return the same error": every stream of the context fails, every
// allocation and launch fails, until the process exits. Such an error is
// sticky. The first session that sees one marks its device lost; from then
// on every kernel actor on that device exits with gpu_error::device_lost,
// kernel_backend::automatic spawns (and so supervisor restarts) pick the CPU
// backend, and kernel_backend::cuda spawns on it fail at once with a
// cuda_error that names the device and the error (docs/errors.md).
//
//   if (cuda_device_lost(0))
//     fmt::print("{}\n", cuda_device_lost_error(0));  // names the CUDA error
//
// Pure host C++ (no CUDA headers): the classifier takes a cudaError_t as its
// integer value, so a test can check it without a GPU. nvcc-safe: it pulls in
// no fmt (cuda_backend.cu includes it; include <ringactor/error.hpp> to use
// cuda_device_lost_error's result).
#pragma once

#include <string>

namespace ringactor {

class error;

/// What a CUDA error means for the device it came from.
enum class cuda_error_kind {
  none,   ///< cudaSuccess
  soft,   ///< this call failed; the context is still usable
  sticky, ///< the context is corrupt: every later CUDA call fails the same way
};

/// Classifies a cudaError_t, given as its integer value (cudaSuccess is 0).
/// Sticky: the errors CUDA 12/13's driver_types.h documents as leaving the
/// process "in an inconsistent state" (launch failure, illegal address,
/// device assert, misaligned address, invalid PC, illegal instruction,
/// hardware stack error, invalid address space, launch timeout, uncorrectable
/// ECC and NVLink errors, contained errors, tensor memory leaks, external
/// device errors, an MPS client terminated by its server). Everything else
/// is soft, unknown codes included.
cuda_error_kind classify_cuda_error(int code) noexcept;

/// classify_cuda_error(code) == cuda_error_kind::sticky.
inline bool cuda_error_is_sticky(int code) noexcept {
  return classify_cuda_error(code) == cuda_error_kind::sticky;
}

/// Whether a sticky error has lost CUDA device `device` in this process.
/// Cheap while no device is lost (one atomic load).
bool cuda_device_lost(int device) noexcept;

/// What lost `device`, in words ("CUDA device 0 is lost (cudaErrorAssert:
/// ...)"); empty if it is not lost.
std::string cuda_device_lost_message(int device);

/// The gpu_error::device_lost error of a lost device, its context being
/// cuda_device_lost_message(device); an empty error if `device` is not lost.
error cuda_device_lost_error(int device);

namespace detail {

/// Marks `device` lost by `cause` (a CUDA error's name and description).
/// The first cause is kept. Returns whether this call marked it.
bool mark_cuda_device_lost(int device, const std::string& cause);

/// Forgets every lost device. For tests of a simulated device only: a real
/// CUDA context stays corrupt until the process exits.
void reset_cuda_device_health() noexcept;

} // namespace detail

} // namespace ringactor
