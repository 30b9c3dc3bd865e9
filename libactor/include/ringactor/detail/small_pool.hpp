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
// Size classes: 16-byte steps up to 512 bytes. Larger requests go to
// ::operator new. Blocks are carved from slabs of small_pool_slab_bytes,
// mapped aligned to their size; the fast path never looks at a slab.
// Memory goes back to the system off the hot path only: when the last
// scheduler worker parks after messages ran, when a thread ends, and on
// small_pool_trim(). A trim moves the calling thread's cache beyond one
// batch per class to the depot, groups the depot's blocks by slab, unmaps
// the slabs whose every block is in the depot, and keeps at most
// small_pool_kept_slabs of those per class for the next burst (see
// libactor/small_pool_depot.hpp). Building with -DRINGACTOR_NO_SMALL_POOL
// turns the pool off (for applications with their own allocator, and to
// measure it). Under AddressSanitizer the pool is off (every block comes
// from ::operator new) so that use-after-free and leaks of these objects
// stay visible.
#pragma once

#include <cstddef>
#include <new>

namespace ringactor::detail {

/// The largest block the pool serves.
inline constexpr std::size_t small_pool_max = 512;

/// A block of at least `size` bytes, aligned for any fundamental type.
void* small_alloc(std::size_t size);

/// Returns a block from small_alloc(size) (the same size).
void small_free(void* ptr, std::size_t size) noexcept;

/// The size (and alignment) of a slab: a block finds its slab by masking
/// its address.
inline constexpr std::size_t small_pool_slab_bytes = std::size_t{64} << 10;

/// Fully free slabs of one class that a trim leaves in the depot, so that
/// the next burst does not map them again.
inline constexpr std::size_t small_pool_kept_slabs = 4;

/// Blocks waiting in the depot (not in any thread's cache), for tests.
std::size_t small_pool_depot_blocks() noexcept;

/// The idle-time trim: moves this thread's cache beyond one batch per class
/// to the depot, then gives back the depot's free slabs of each class whose
/// depot grew since its last trim. Called by the last scheduler worker to
/// park after messages ran and by a thread that ends; cheap (a load per
/// class) when the depot did not grow.
void small_pool_trim_idle() noexcept;

/// Class-scope allocation functions that route a type's objects through the
/// pool; over-aligned types bypass it. (They free through the unsized
/// ::operator delete: clang before 19 declares the sized forms only with
/// -fsized-deallocation.)
#define RINGACTOR_SMALL_POOL_ALLOCATED                                                \
  static void* operator new(std::size_t size) {                                       \
    return ::ringactor::detail::small_alloc(size);                                    \
  }                                                                                   \
  static void operator delete(void* ptr, std::size_t size) noexcept {                 \
    ::ringactor::detail::small_free(ptr, size);                                       \
  }                                                                                   \
  static void* operator new(std::size_t size, std::align_val_t al) {                  \
    return ::operator new(size, al);                                                  \
  }                                                                                   \
  static void operator delete(void* ptr, std::size_t, std::align_val_t al) noexcept { \
    ::operator delete(ptr, al);                                                       \
  }

} // namespace ringactor::detail
