// ringactor: the small-block pool's slabs and global depot, shared by the
// fast path (small_pool.cpp) and the idle-time trim (small_pool_trim.cpp).
//
// A slab is slab_bytes of memory aligned to slab_bytes, so that a block
// finds its slab by masking its address: a header (class, block count)
// followed by blocks of one size class. A new slab is carved into batches
// of batch_size blocks at once; the thread that needed it keeps one batch
// and the depot gets the others. Blocks then move between thread caches and
// the depot a batch at a time, exactly as before slabs could be given back:
// nothing on the allocation or free path knows about slabs. Only the trim
// (small_pool_trim.cpp), at idle time, groups the depot's blocks by slab and
// unmaps the slabs whose every block is in the depot.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>

#include "ringactor/detail/small_pool.hpp"

// Hidden: internal to libringactor, reached without the PLT or GOT, as
// when all of it lived in one file's anonymous namespace.
namespace ringactor::detail {
namespace [[gnu::visibility("hidden")]] pool {

// RINGACTOR_NO_SMALL_POOL: every block from ::operator new (for an
// application that brings its own allocator, and for measuring the pool).
#if defined(__SANITIZE_ADDRESS__) || defined(RINGACTOR_NO_SMALL_POOL)
inline constexpr bool enabled = false;
#elif defined(__has_feature)
#  if __has_feature(address_sanitizer)
inline constexpr bool enabled = false;
#  else
inline constexpr bool enabled = true;
#  endif
#else
inline constexpr bool enabled = true;
#endif

inline constexpr std::size_t class_count = small_pool_max / 16;
/// Blocks moved between a thread and the depot at once.
inline constexpr std::uint32_t batch_size = 64;

/// The class of a request of `size` bytes (1 <= size <= small_pool_max):
/// 16-byte steps, so a block wastes at most 15 bytes.
constexpr std::size_t class_of(std::size_t size) noexcept {
  return (size + 15) / 16 - 1;
}

/// The block size of class `c`.
constexpr std::size_t block_size(std::size_t c) noexcept {
  return (c + 1) * 16;
}

static_assert(class_of(1) == 0 && class_of(16) == 0 && class_of(17) == 1);
static_assert(class_of(small_pool_max) == class_count - 1);
static_assert(block_size(class_of(200)) >= 200 && block_size(class_of(500)) >= 500);

/// A free block: linked to the next block of its batch; the first block of
/// a batch in the depot also links to the next batch (blocks are at least
/// 16 bytes).
struct free_block {
  free_block* next;
  free_block* next_batch;
};

/// The start of every slab. Only the thread that creates the slab and the
/// trim that owns the class's depot list (one at a time, see
/// depot::trimming) touch it: blocks never do.
struct alignas(64) slab_header {
  std::uint32_t size_class;
  std::uint32_t block_count;
  /// Where the first block starts: after the header and the slab's colour
  /// (see slab_colour_bytes).
  std::uint32_t first_offset;
  /// Trim only: blocks of this slab found in the depot's list.
  std::uint32_t depot_count;
  /// Trim only: the slab is already on the trim's list of free slabs.
  bool collected;
  /// Trim only: links the free slabs the trim found.
  slab_header* next_free;
};

/// Room for the first block to start at one of 32 cache lines after the
/// header (cache colouring, as in Bonwick's slab allocator): slabs are
/// aligned to 64 KiB, so without it the first, hottest blocks of every slab
/// of every class would fall into the same cache sets and 4 KiB-alias each
/// other. A precaution: the A/B runs of bench/RESULTS.md could not tell the
/// two apart on a loaded machine. It costs 3% of a slab.
inline constexpr std::size_t slab_colours = 32;
inline constexpr std::size_t slab_colour_bytes = slab_colours * 64;

/// The blocks of class `c` that one slab holds.
constexpr std::uint32_t blocks_per_slab(std::size_t c) noexcept {
  return static_cast<std::uint32_t>(
    (small_pool_slab_bytes - sizeof(slab_header) - slab_colour_bytes) / block_size(c));
}

static_assert(blocks_per_slab(class_count - 1) > batch_size, "a new slab fills a batch");
static_assert(sizeof(slab_header) % 16 == 0, "blocks stay 16-byte aligned");

/// The slab that holds block `p`.
inline slab_header* slab_of(const void* p) noexcept {
  auto addr = reinterpret_cast<std::uintptr_t>(p);
  return reinterpret_cast<slab_header*>(addr & ~std::uintptr_t{small_pool_slab_bytes - 1});
}

/// Batches handed between threads, per class: intrusive lists, so that
/// handing a batch never allocates.
struct depot {
  std::array<std::mutex, class_count> mutexes;
  /// Guarded by mutexes[c].
  std::array<free_block*, class_count> batches{};
  /// Held by the trim of class c from start to end: one trim per class at
  /// a time, so that slab headers have one writer, and a trim that comes
  /// while another runs waits and then sees what was freed meanwhile.
  std::array<std::mutex, class_count> trim_mutexes;
  /// Blocks of class c in the depot. Added before a batch goes in, taken
  /// after it came out (relaxed: a hint for statistics and for when a trim
  /// is worth its walk; the lists under the mutexes are exact).
  std::array<std::atomic<std::size_t>, class_count> blocks{};
  /// Blocks of class c that the last trim left in the depot (relaxed: a
  /// hint written by the trim, read by the next one to decide whether the
  /// depot grew enough to walk it again).
  std::array<std::atomic<std::size_t>, class_count> blocks_after_trim{};
  /// Slabs mapped and not unmapped, and slabs unmapped since the start
  /// (relaxed: statistics; changed off the hot path only).
  std::atomic<std::size_t> slabs_live{0};
  std::atomic<std::size_t> slabs_freed{0};
  /// Slabs mapped so far: picks a new slab's colour (relaxed: any value will
  /// do, it only spreads them).
  std::atomic<std::size_t> slabs_mapped{0};
};

inline depot& the_depot() {
  // Never destroyed: threads that outlive main's return (detached workers)
  // may still free into it.
  static depot* instance = new depot;
  return *instance;
}

/// A batch's length lives in its second block's `next_batch` (unused while
/// the batch is in the depot): taking a batch then costs two cache misses,
/// not one per block. Counting by walking the list was 64% of a producer's
/// time in savina_fork_join, as every block was last written by the
/// consumer's core.
inline void set_batch_length(free_block* head, std::uint32_t n) noexcept {
  if (head->next != nullptr)
    head->next->next_batch = reinterpret_cast<free_block*>(static_cast<std::uintptr_t>(n));
}

/// The length of a batch whose length was set (set_batch_length).
inline std::uint32_t batch_length(const free_block* head) noexcept {
  if (head->next == nullptr)
    return 1;
  return static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(head->next->next_batch));
}

/// Puts a batch of `n` blocks into the depot (`blocks` counts them now).
inline void depot_put(std::size_t c, free_block* head, std::uint32_t n) noexcept {
  auto& d = the_depot();
  d.blocks[c].fetch_add(n, std::memory_order_relaxed);
  set_batch_length(head, n);
  std::lock_guard guard{d.mutexes[c]};
  head->next_batch = d.batches[c];
  d.batches[c] = head;
}

/// Takes a batch from the depot, or null; the caller subtracts its blocks
/// from `blocks`.
inline free_block* depot_take(std::size_t c) noexcept {
  auto& d = the_depot();
  free_block* head = nullptr;
  {
    std::lock_guard guard{d.mutexes[c]};
    head = d.batches[c];
    if (head != nullptr)
      d.batches[c] = head->next_batch;
  }
  return head;
}

/// Maps a new slab of class `c`, carves it, keeps one batch (returned, with
/// its size in `n`) and puts the other batches into the depot. Throws
/// std::bad_alloc when the system has no memory.
free_block* new_slab(std::size_t c, std::uint32_t& n);

/// Gives back the slabs of class `c` whose every block is in the depot,
/// beyond small_pool_kept_slabs of them. `when_grown`: only if the depot
/// grew by a slab and by a quarter since the last trim of the class (the
/// idle-time trims, so that a depot that cannot shrink is not walked at
/// every park). Returns the bytes given back.
std::size_t trim_class(std::size_t c, bool when_grown) noexcept;

} // namespace pool
} // namespace ringactor::detail
