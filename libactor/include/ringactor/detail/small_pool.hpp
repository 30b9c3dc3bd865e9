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
// Larger requests go to ::operator new. Memory is never returned to the
// system; the pool holds at most what was live at the peak (plus two
// batches per thread and class). Building with -DRINGACTOR_NO_SMALL_POOL
// turns it off (for applications with their own allocator, and to measure
// it). Under AddressSanitizer the pool is off
// (every block comes from ::operator new) so that use-after-free and
// leaks of these objects stay visible.
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

/// Blocks waiting in the depot (not in any thread's cache), for tests.
std::size_t small_pool_depot_blocks() noexcept;

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
