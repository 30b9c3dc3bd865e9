// ringactor: per-device residency accounting for persistent kernels.
//
// A persistent kernel holds its blocks on the device's multiprocessors (SMs)
// for as long as it runs. A kernel launched when they are full does not
// fail: it waits, for ever, behind grids that never end; a grid barrier
// over a grid only partly resident deadlocks. So the CUDA backend admits a
// persistent kernel only when the ledger says its grid fits beside those
// already running, and refuses it at once, with the numbers, otherwise.
//
// The model. The occupancy query (cudaOccupancyMaxActiveBlocksPerMultiprocessor
// for the kernel's block size and shared memory) says how many of a
// kernel's blocks fit on one idle SM: k. One block then takes 1/k of an SM
// (of the resource that limits it: threads, registers, shared memory or the
// block slots). The ledger adds these fractions over every running
// persistent kernel of a device and admits a grid while the sum stays
// within the device's SM count. This is an approximation on the safe side
// for kernels limited by the same resource and may be optimistic for kernels
// limited by different ones (the hardware packs blocks per SM, not in
// aggregate); the "not resident" deadline (kernel_config::residency_timeout)
// catches what it lets through. Besides blocks, a device runs at most
// max_grids grids at once (see max_resident_grids()).
//
// Pure host code, no CUDA: the tests drive it directly. nvcc-safe (the CUDA
// backend includes it): no fmt.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace ringactor::detail {

/// The most grids that compute capability `major.minor` runs at once
/// ("maximum number of resident grids per device" in the CUDA programming
/// guide's table of compute capabilities; CUDA exposes no device attribute
/// for it): 128 from 6.0 on, except 6.1 (32), 6.2, 7.2 and 5.3 (16); 32 for
/// 5.0 and 5.2. Unknown older ones: 16.
std::uint32_t max_resident_grids(int major, int minor) noexcept;

/// What a device can hold at once.
struct device_capacity {
  std::uint32_t multiprocessors = 0; ///< cudaDevAttrMultiProcessorCount
  std::uint32_t max_grids = 0;       ///< persistent grids admitted at once
};

/// What one persistent kernel takes while it runs.
struct grid_demand {
  std::uint32_t blocks = 0;        ///< blocks in its grid (one-block grids count too)
  std::uint32_t blocks_per_sm = 0; ///< the occupancy query's answer for its block size
};

/// The residency of every running persistent kernel, per device.
/// Thread-safe. One instance serves the process (instance()); tests make
/// their own.
class residency_ledger {
public:
  /// Most blocks of one kernel on one SM on any architecture so far (the
  /// occupancy query's upper bound); larger answers count as this.
  static constexpr std::uint32_t max_blocks_per_sm = 32;

  /// A grid's admission: releases its share of the device when destroyed
  /// or reset() (the kernel ended, normally or by a fault). Move-only.
  class ticket {
  public:
    ticket() noexcept = default;
    ticket(ticket&& other) noexcept;
    ticket& operator=(ticket&& other) noexcept;
    ticket(const ticket&) = delete;
    ticket& operator=(const ticket&) = delete;
    ~ticket() { reset(); }

    /// Gives the grid's share back (idempotent).
    void reset() noexcept;
    /// The kernel never ended (its stream and memory were leaked): its
    /// share stays taken for the rest of the process.
    void keep_forever() noexcept { ledger_ = nullptr; }
    /// Whether it still holds a share.
    explicit operator bool() const noexcept { return ledger_ != nullptr; }

  private:
    friend class residency_ledger;
    ticket(residency_ledger* ledger, int device, std::uint64_t units) noexcept
      : ledger_(ledger), device_(device), units_(units) {}
    residency_ledger* ledger_ = nullptr;
    int device_ = 0;
    std::uint64_t units_ = 0;
  };

  /// The answer to admit().
  struct admission {
    ticket granted;      ///< holds the grid's share if it was admitted
    std::string refusal; ///< else why not, with the numbers
    explicit operator bool() const noexcept { return static_cast<bool>(granted); }
  };

  /// Admits a grid of `demand` on `device` if it fits beside the grids
  /// admitted and not yet released. Otherwise the refusal says how many of
  /// its blocks are free, how many it needs, and how many grids run;
  /// nothing is reserved then.
  admission admit(int device, const device_capacity& capacity, const grid_demand& demand);

  /// How many more blocks of a kernel with `blocks_per_sm` fit on `device`.
  std::uint64_t free_blocks(int device, const device_capacity& capacity,
                            std::uint32_t blocks_per_sm) const;
  /// Grids admitted on `device` and not yet released.
  std::uint32_t running_grids(int device) const;

  /// The process's ledger (never destroyed: a leaked kernel keeps its share).
  static residency_ledger& instance();

private:
  /// One SM in units: divisible by every blocks_per_sm from 1 to 32
  /// (lcm(1..32)), so that a block's share is exact.
  static constexpr std::uint64_t sm_units = 144403552893600ULL;

  struct device_use {
    std::uint64_t units = 0;
    std::uint32_t grids = 0;
  };

  void release(int device, std::uint64_t units) noexcept;

  mutable std::mutex mutex_;
  std::map<int, device_use> used_; // guarded by mutex_
};

} // namespace ringactor::detail
