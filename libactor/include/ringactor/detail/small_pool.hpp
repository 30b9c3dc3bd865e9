// ringactor: a per-thread cache of small blocks for the objects the runtime
// allocates per message and per actor (mailbox elements, actors).
//
// Messages are allocated by the sender's thread and freed by the receiver's,
// actors spawned on one worker die on another: with the system allocator
// each such free is a cross-thread free (glibc: an arena lock or a
// tcache-to-arena transfer), which the profiles of bench/ put at 41 to 55%
// of the instructions of spawn_flat and mailbox. Here a freed block goes to
// the freeing thread's cache; a cache that grows past two batches hands a
// batch (64 blocks) to a global depot, and an empty cache takes a batch from
// it, so blocks flow from consumers back to producers one mutex acquisition
// per 64 blocks.
//
// Size classes: 16-byte steps up to 512 bytes.
// Larger requests go to ::operator new. What the pool keeps while idle is
// bounded: each thread's cache holds fewer than two batches per class, and
// the depot at most small_pool_depot_batches batches per class. While the
// program is busy the depot keeps every batch it is given (a lagging
// receiver's blocks are reused, not given back and taken again); when a
// scheduler worker parks or a thread ends, small_pool_trim() gives the
// batches beyond the bound back to the system, so a burst's peak does not
// stay for the life of the process.
// Building with -DRINGACTOR_NO_SMALL_POOL
// turns it off (for applications with their own allocator, and to measure
// it). Under AddressSanitizer the pool is off
// (every block comes from ::operator new) so that use-after-free and
// leaks of these objects stay visible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>

namespace ringactor::detail {

/// The largest block the pool serves.
inline constexpr std::size_t small_pool_max = 512;

/// A block of at least `size` bytes, aligned for any fundamental type.
void* small_alloc(std::size_t size);

/// Returns a block from small_alloc(size) (the same size).
void small_free(void* ptr, std::size_t size) noexcept;

/// Blocks waiting in the depot (not in any thread's cache), for tests.
std::size_t small_pool_depot_blocks() noexcept;

/// Batches of 64 blocks the depot keeps per size class once idle; the
/// rest goes back to the system at the next small_pool_trim().
inline constexpr std::uint32_t small_pool_depot_batches = 16;

/// Gives the depot's batches beyond small_pool_depot_batches per class back
/// to the system; returns the bytes given back. Cheap when there is nothing
/// to give (one relaxed load): scheduler workers call it before they park,
/// and each thread when it ends.
std::size_t small_pool_trim() noexcept;

struct small_pool_stats {
  /// Bytes the pool took from the system and has not given back: blocks in
  /// use plus free blocks in thread caches and the depot.
  std::size_t held_bytes;
  /// Free blocks in the depot.
  std::size_t depot_blocks;
};

/// What the pool holds now (all zero when the pool is off: under
/// AddressSanitizer or with RINGACTOR_NO_SMALL_POOL).
small_pool_stats small_pool_statistics() noexcept;

/// Class-scope allocation functions that route a type's objects through the
/// pool; over-aligned types bypass it.
#define RINGACTOR_SMALL_POOL_ALLOCATED                                                     \
  static void* operator new(std::size_t size) {                                            \
    return ::ringactor::detail::small_alloc(size);                                         \
  }                                                                                        \
  static void operator delete(void* ptr, std::size_t size) noexcept {                      \
    ::ringactor::detail::small_free(ptr, size);                                            \
  }                                                                                        \
  static void* operator new(std::size_t size, std::align_val_t al) {                       \
    return ::operator new(size, al);                                                       \
  }                                                                                        \
  static void operator delete(void* ptr, std::size_t size, std::align_val_t al) noexcept { \
    ::operator delete(ptr, size, al);                                                      \
  }

} // namespace ringactor::detail
