// ringactor: how spawn_kernel runs a kernel: backend, ring geometry, grid,
// mode and the watchdog's timing.
//
//   auto k = spawn_kernel<adder_if>(sys, kernels::adder{},
//                                   {.backend = kernel_backend::cpu, .h2k_capacity = 64});
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "ringactor/gpu/cpu_backend.hpp"
#include "ringactor/gpu/kernel_params.hpp"

namespace ringactor {

class kernel_snapshot_store_base;

/// Where a kernel runs.
enum class kernel_backend {
  /// cuda when this build has the CUDA backend, a device exists and the
  /// kernel was compiled for it (RINGACTOR_CUDA_KERNEL); cpu otherwise.
  automatic,
  cpu,  ///< host threads (cpu_backend.hpp)
  cuda, ///< a CUDA device; spawn_kernel throws cuda_error if that cannot be
};

struct kernel_config {
  kernel_backend backend = kernel_backend::automatic;
  /// H2K ring slots (a power of two >= 2). A full ring is backpressure: the
  /// proxy keeps further messages, in order, until the kernel frees slots.
  std::uint32_t h2k_capacity = 1024;
  /// K2H ring slots (a power of two >= 2).
  std::uint32_t k2h_capacity = 1024;
  /// Bytes per slot (a multiple of 64, >= 128); 0 takes the kernel's
  /// `static constexpr std::size_t slot_size` or else default_slot_size.
  std::uint32_t slot_size = 0;
  grid_dim grid{};
  /// persistent: one long-running loop; launch: one launch per message.
  loop_mode mode = loop_mode::persistent;
  /// The kernel's heartbeat advances at least this often while it runs
  /// (positive).
  std::chrono::nanoseconds heartbeat_interval = std::chrono::milliseconds{100};
  /// A persistent kernel whose heartbeat stands still this long is stalled,
  /// and so is a launch (launch mode) that does not finish within it: its
  /// actor exits with gpu_error::kernel_stalled. Also bounds how long an
  /// exiting kernel actor waits for its kernel to drain. Longer than
  /// heartbeat_interval, which an idle kernel's heartbeat only just meets.
  std::chrono::nanoseconds stall_timeout = std::chrono::seconds{5};
  /// A persistent kernel that has not started running this long after its
  /// launch (its control block still says `launching`: the device had no
  /// room for its grid, or its stream waits behind another persistent
  /// kernel) is not resident: its actor exits with gpu_error::not_resident
  /// rather than kernel_stalled. Positive.
  std::chrono::nanoseconds residency_timeout = std::chrono::seconds{2};
  /// CUDA device index.
  int device = 0;
  /// CPU backend: how a grid of several threads is emulated.
  cpu_grid_emulation cpu_emulation = cpu_grid_emulation::sequential;
  /// CPU backend: idle polls of an empty H2K ring before the loop parks.
  std::uint32_t spin_before_park = 1000;
  /// The actor's name (logs, shutdown reports).
  std::string name = "kernel";
  /// Snapshots (snapshot_store.hpp): a kernel_snapshot_store of the kernel's
  /// snapshot_type. The kernel starts from the store's latest snapshot, if
  /// any, and publishes its own into it; a kernel type without snapshot
  /// hooks is refused (std::invalid_argument). Null: no snapshots.
  std::shared_ptr<kernel_snapshot_store_base> snapshots = nullptr;
  /// With snapshots: the kernel publishes a snapshot after every
  /// snapshot_interval-th message (and when it drains). A restarted kernel
  /// loses the messages since the last one.
  std::uint32_t snapshot_interval = 1;
};

} // namespace ringactor
