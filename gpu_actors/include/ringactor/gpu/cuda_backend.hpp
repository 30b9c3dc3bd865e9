// ringactor: the CUDA backend, as the host sees it. This header needs no CUDA
// headers: it compiles with the host compiler. The functions below live in
// the core library (libringactor, which never links the CUDA runtime) and
// forward to the CUDA backend in libringactor-cuda: a program that links
// ringactor-cuda (`pkg-config --libs ringactor-cuda`) has it, installed by a
// static initializer of that library; in one that does not,
// cuda_backend_compiled() is false, kernel_backend::automatic picks the CPU
// backend, and every entry point that needs CUDA throws cuda_error saying to
// link ringactor-cuda.
//
// A kernel runs on CUDA once nvcc has compiled it: put
//
//   #include <ringactor/gpu/cuda/register_kernel.cuh>
//   #include "my_kernel.hpp"
//   RINGACTOR_CUDA_KERNEL(my_kernel)
//
// in a .cu file of the program, and link ringactor-cuda (which registers the
// library's own kernels, kernels::adder and kernels::counter).
//
// What the backend does for each kernel: the control block and rings live in
// pinned host memory mapped into the device (cudaHostAlloc with
// cudaHostAllocMapped, from a pool so that no cudaFreeHost, which can
// synchronize the device, runs while persistent kernels do); the kernel state
// and scratch live in device memory from the stream-ordered allocator; each
// kernel runs on its own non-blocking stream; every registered kernel's module
// is loaded on each device before the first kernel starts there (lazy loading
// while a persistent kernel runs can deadlock; the library also sets
// CUDA_MODULE_LOADING=EAGER unless the user set it); every persistent grid is
// admitted through a per-device residency ledger and refused at once, with
// the free and needed block counts, when it does not fit beside the kernels
// running (detail/residency_ledger.hpp); a grid of more than one block is
// launched cooperatively (the loop synchronizes the grid). See
// docs/kernels.md, "CUDA backend".
//
// nvcc-safe host header (docs/device-headers.md): a .cu file may include it
// (register_kernel.cuh does); it and all it includes pull in no fmt or threads.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "ringactor/gpu/channel.hpp"
#include "ringactor/gpu/kernel_params.hpp"

namespace ringactor {

/// Whether this program contains the CUDA backend (links libringactor-cuda).
bool cuda_backend_compiled() noexcept;

/// CUDA devices usable by this process (0 without the backend, a driver or a device).
int cuda_device_count() noexcept;

/// A CUDA runtime failure or a refused configuration (thrown at construction
/// and launch, the configuration boundaries).
class cuda_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

struct cuda_kernel_options {
  grid_dim grid{};
  loop_mode mode = loop_mode::persistent;
  /// The heartbeat advances at least this often while the loop runs.
  std::chrono::nanoseconds heartbeat_interval = std::chrono::milliseconds{100};
  int device = 0;
  /// Sender id on the kernel's K2H slots (the proxy's actor id).
  std::uint64_t kernel_id = 0;
};

namespace detail {

/// What nvcc generated for one kernel type; see RINGACTOR_CUDA_KERNEL.
struct cuda_kernel_entry {
  const char* name;
  const void* loop_function; ///< the __global__ loop instantiated for the kernel
  std::size_t state_size;
  cuda_kernel_entry* next;
};

/// The entry of Kernel, null until a .cu file registers it.
template <class Kernel>
inline cuda_kernel_entry* cuda_kernel_entry_of = nullptr;

/// Adds `entry` to the list of kernels whose modules load before any kernel
/// starts (called by RINGACTOR_CUDA_KERNEL during static initialization).
/// Defined in libringactor-cuda: a program with a CUDA kernel links it.
void register_cuda_kernel(cuda_kernel_entry& entry) noexcept;

/// Throws the cuda_error that says the program does not link ringactor-cuda.
[[noreturn]] void throw_cuda_backend_missing();

class cuda_runner_ops;

} // namespace detail

/// Pinned host memory mapped into every device (from the backend's pool).
shared_region allocate_mapped(std::size_t size);

/// Whether `device` has memory pools (the stream-ordered allocator); false
/// without CUDA.
bool cuda_memory_pools(int device) noexcept;

/// Zeroed device memory of `device`: device() is its address, host() is
/// null (the host reaches it only by copying). Allocated, zeroed (by copies)
/// and later freed on a non-blocking stream of its own, from a memory pool
/// of its own, so that none of it waits for a running persistent kernel.
/// On a device without memory pools it falls back to cudaMalloc/cudaFree,
/// and freeing then waits for every running kernel. Throws cuda_error.
shared_region allocate_device(std::size_t size, int device = 0);

/// Synchronous copies between host memory and memory from allocate_device,
/// on that memory's stream (they never wait for a running kernel; what a
/// kernel writes meanwhile may or may not be in the copy). Throw cuda_error.
void copy_host_to_device(std::byte* device_dst, const void* host_src, std::size_t bytes);
void copy_device_to_host(void* host_dst, const std::byte* device_src, std::size_t bytes);

/// Runs one kernel on a CUDA device over a kernel_channel in mapped memory
/// (`kernel_channel ch{geometry, allocate_mapped(kernel_channel::bytes_for(geometry))}`).
class cuda_kernel_runner {
public:
  /// Health of the kernel's stream.
  enum class status {
    idle,    ///< not started, or (launch mode) no launch in flight
    running, ///< the kernel runs
    exited,  ///< the loop returned (read the control block for why)
    faulted, ///< the stream reported an error (fault_message() says which)
  };

  /// Copies `state_size` bytes of kernel state to the device. Throws cuda_error.
  cuda_kernel_runner(const detail::cuda_kernel_entry& entry, const void* kernel_state,
                     kernel_channel& channel, const cuda_kernel_options& options);
  cuda_kernel_runner(cuda_kernel_runner&&) noexcept;
  cuda_kernel_runner& operator=(cuda_kernel_runner&&) noexcept;
  /// Terminates a running kernel and waits for it (bounded); a kernel that
  /// does not stop leaks its resources rather than freeing memory in use.
  ~cuda_kernel_runner();

  /// Persistent mode: launches the loop. Throws cuda_error when the launch
  /// fails, or, at once, when the grid cannot be resident beside the
  /// persistent kernels already running on the device (the message says
  /// how many blocks are free and how many it needs).
  void start();

  /// Launch mode: one launch (at most one message), then stream synchronize.
  void launch();
  /// Launch mode: one launch, waiting at most `timeout` for the stream.
  /// False if the launch still runs then (poll() says when it ends; the
  /// destructor waits for it, bounded, and leaks what it uses if it never
  /// does). Throws cuda_error as launch().
  bool launch_for(std::chrono::nanoseconds timeout);

  /// Polls the stream.
  status poll();
  /// The stream's error once poll() returned faulted.
  const std::string& fault_message() const noexcept;
  /// The stream's cudaError_t (as int) once poll() returned faulted, else 0
  /// (classify it with classify_cuda_error, device_health.hpp).
  int fault_code() const noexcept;

  /// Waits up to `timeout` for the loop to exit; returns the status.
  status join(std::chrono::nanoseconds timeout);

  /// Copies the kernel state back to `dst` (state_size bytes); only once the
  /// loop has exited.
  void read_state(void* dst);

private:
  std::unique_ptr<detail::cuda_runner_ops> impl_;
};

/// Makes a runner for Kernel, which a .cu file registered with
/// RINGACTOR_CUDA_KERNEL; throws cuda_error otherwise (and when the program
/// does not link ringactor-cuda).
template <class Kernel>
cuda_kernel_runner make_cuda_runner(const Kernel& kernel, kernel_channel& channel,
                                    const cuda_kernel_options& options = {}) {
  if (!cuda_backend_compiled())
    detail::throw_cuda_backend_missing();
  auto* entry = detail::cuda_kernel_entry_of<Kernel>;
  if (entry == nullptr)
    throw cuda_error("ringactor: this kernel type was not compiled for CUDA: add "
                     "RINGACTOR_CUDA_KERNEL(<kernel>) to a .cu file of the program");
  return cuda_kernel_runner{*entry, &kernel, channel, options};
}

} // namespace ringactor
