// ringactor: what the small-block pool holds, and giving its free memory
// back to the system.
//
// The runtime allocates its per-message and per-actor objects (mailbox
// elements, actors) from a pool of 64 KiB slabs. A burst of messages maps
// slabs; they go back to the system on their own when the scheduler's
// workers idle (the last worker to park after messages ran trims the pool)
// and when a thread ends. small_pool_trim() does it on demand, for a
// program that wants its memory back at a point of its choosing.
#pragma once

#include <cstddef>

namespace ringactor {

/// A snapshot of the small-block pool.
struct small_pool_stats {
  std::size_t slabs_live = 0;   ///< slabs taken from the system and not given back
  std::size_t slabs_freed = 0;  ///< slabs given back since the process started
  std::size_t bytes_live = 0;   ///< slabs_live times the slab size
  std::size_t depot_blocks = 0; ///< free blocks in the global depot (not in a thread's cache)
};

/// Reads the pool's counters (relaxed: a snapshot, not a consistent cut).
/// All zero when the pool is off (AddressSanitizer, RINGACTOR_NO_SMALL_POOL).
small_pool_stats small_pool_statistics() noexcept;

/// Gives back every slab whose blocks are all free in the depot, beyond a
/// few per size class kept for the next burst, after moving the calling
/// thread's cached blocks beyond one batch per class to the depot. Blocks
/// cached by other threads keep their slabs. Returns the bytes given back.
///
///     run_burst(sys);                    // maps slabs for its messages
///     auto freed = small_pool_trim();    // the workers may have done it already
///     auto live = small_pool_statistics().bytes_live;
std::size_t small_pool_trim() noexcept;

} // namespace ringactor
