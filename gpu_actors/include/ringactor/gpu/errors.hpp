// ringactor: the error codes and exit reasons of kernel actors.
#pragma once

#include <system_error>

namespace ringactor {

enum class gpu_error : int {
  /// The kernel faulted: a handler called ctx.fault(), or the device stream
  /// reported an error. A kernel actor exits with this reason; a request
  /// whose handler faulted is answered with it.
  kernel_fault = 1,
  /// The kernel's heartbeat stopped advancing for longer than the stall
  /// timeout (a handler that never returns, a hung device). A kernel actor
  /// exits with this reason.
  kernel_stalled,
  /// A device_buffer was used after its owner released it.
  buffer_released,
  /// The kernel's CUDA device is lost: a sticky error (an illegal address,
  /// a device assert, a trap, ... on any kernel of the device) corrupted its
  /// context until the process exits. Every kernel actor on the device exits
  /// with this reason; the context names the device and the CUDA error.
  /// kernel_backend::automatic spawns then use the CPU backend, and
  /// kernel_backend::cuda spawns on the device fail (device_health.hpp).
  device_lost,
  /// The kernel could not become resident on its device: spawn_kernel
  /// refused a persistent grid that does not fit beside the kernels already
  /// running (the message says how many blocks are free), or the kernel was
  /// still launching after kernel_config::residency_timeout (its actor exits
  /// with this reason, not with kernel_stalled).
  not_resident,
};

const std::error_category& gpu_category() noexcept;

inline std::error_code make_error_code(gpu_error x) noexcept {
  return {static_cast<int>(x), gpu_category()};
}

} // namespace ringactor

template <>
struct std::is_error_code_enum<ringactor::gpu_error> : std::true_type {};
