// ringactor: the hook between the core library and the CUDA backend (not
// installed). libringactor holds the CPU backend and the host-side entry
// points of cuda_backend.hpp; each of them forwards to the provider that
// libringactor-cuda installs from a static initializer when a program links
// it. Without it, automatic spawns use the CPU backend and everything that
// needs CUDA throws cuda_error saying to link ringactor-cuda.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "ringactor/gpu/channel.hpp"
#include "ringactor/gpu/cuda_backend.hpp"

namespace ringactor::detail {

/// One CUDA runner's implementation (libringactor-cuda's); cuda_kernel_runner
/// forwards to it. The contract of each function is that of the
/// cuda_kernel_runner member of the same name.
class cuda_runner_ops {
public:
  virtual ~cuda_runner_ops() = default;
  virtual void start() = 0;
  virtual void launch() = 0;
  virtual bool launch_for(std::chrono::nanoseconds timeout) = 0;
  virtual cuda_kernel_runner::status poll() = 0;
  virtual const std::string& fault_message() const noexcept = 0;
  virtual int fault_code() const noexcept = 0;
  virtual cuda_kernel_runner::status join(std::chrono::nanoseconds timeout) = 0;
  virtual void read_state(void* dst) = 0;
};

/// The CUDA backend's entry points; the contract of each is that of the
/// cuda_backend.hpp function of the same name.
struct cuda_backend_provider {
  int (*device_count)() noexcept;
  shared_region (*allocate_mapped)(std::size_t size);
  bool (*memory_pools)(int device) noexcept;
  shared_region (*allocate_device)(std::size_t size, int device);
  void (*copy_host_to_device)(std::byte* device_dst, const void* host_src, std::size_t bytes);
  void (*copy_device_to_host)(void* host_dst, const std::byte* device_src, std::size_t bytes);
  std::unique_ptr<cuda_runner_ops> (*make_runner)(const cuda_kernel_entry& entry,
                                                  const void* kernel_state, kernel_channel& channel,
                                                  const cuda_kernel_options& options);
};

/// Installs the CUDA backend: libringactor-cuda calls it once, during its
/// static initialization (before any code of the program that links it
/// runs). `provider` must live until the process exits.
void install_cuda_backend(const cuda_backend_provider& provider) noexcept;

/// Installs `provider` (null: none) in place of the installed backend and
/// returns that one. For tests that simulate a CUDA device without a GPU
/// (test/simulated_cuda.hpp), which put the previous one back when done.
const cuda_backend_provider* exchange_cuda_backend(const cuda_backend_provider* provider) noexcept;

} // namespace ringactor::detail
