// ringactor: the small-block pool (see detail/small_pool.hpp).
#include "ringactor/detail/small_pool.hpp"

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>

namespace ringactor::detail {

namespace {

// RINGACTOR_NO_SMALL_POOL: every block from ::operator new (for an
// application that brings its own allocator, and for measuring the pool).
#if defined(__SANITIZE_ADDRESS__) || defined(RINGACTOR_NO_SMALL_POOL)
constexpr bool pool_enabled = false;
#elif defined(__has_feature)
#  if __has_feature(address_sanitizer)
constexpr bool pool_enabled = false;
#  else
constexpr bool pool_enabled = true;
#  endif
#else
constexpr bool pool_enabled = true;
#endif

constexpr std::size_t class_count = small_pool_max / 16;
/// Blocks moved between a thread and the depot at once, and carved from
/// one slab.
constexpr std::uint32_t batch_size = 64;

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

/// Batches handed between threads, per class: intrusive lists, so that
/// handing a batch never allocates.
struct depot {
  std::array<std::mutex, class_count> mutexes;
  std::array<free_block*, class_count> batches{};
  /// Blocks in the depot (relaxed: statistics only).
  std::atomic<std::size_t> blocks{0};
};

depot& the_depot() {
  // Never destroyed: threads that outlive main's return (detached workers)
  // may still free into it. Blocks are never returned to the system.
  static depot* instance = new depot;
  return *instance;
}

void depot_put(std::size_t c, free_block* head, std::uint32_t n) noexcept {
  auto& d = the_depot();
  d.blocks.fetch_add(n, std::memory_order_relaxed);
  std::lock_guard guard{d.mutexes[c]};
  head->next_batch = d.batches[c];
  d.batches[c] = head;
}

free_block* depot_take(std::size_t c) noexcept {
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

/// A fresh batch: one allocation carved into batch_size blocks.
free_block* carve_slab(std::size_t c) {
  auto size = block_size(c);
  auto* slab = static_cast<std::byte*>(::operator new(size * batch_size));
  for (std::uint32_t i = 0; i < batch_size; ++i) {
    auto* b = reinterpret_cast<free_block*>(slab + i * size);
    b->next = i + 1 < batch_size ? reinterpret_cast<free_block*>(slab + (i + 1) * size) : nullptr;
  }
  return reinterpret_cast<free_block*>(slab);
}

struct class_cache {
  free_block* head = nullptr;
  std::uint32_t count = 0;
};

/// Set when this thread's cache is destroyed (thread exit): later frees on
/// the thread (from other thread-local destructors) go straight to the
/// depot. Trivially destructible, so it stays readable after the cache.
thread_local bool cache_gone = false;

/// One per thread; gives its blocks to the depot when the thread ends.
struct thread_cache {
  std::array<class_cache, class_count> classes{};

  thread_cache() = default;
  thread_cache(const thread_cache&) = delete;
  thread_cache& operator=(const thread_cache&) = delete;

  ~thread_cache() {
    cache_gone = true;
    for (std::size_t c = 0; c < class_count; ++c)
      if (classes[c].count > 0)
        give(c, classes[c].count);
  }

  /// Moves the first `n` blocks of class `c` to the depot as one batch.
  void give(std::size_t c, std::uint32_t n) noexcept {
    auto& cc = classes[c];
    auto* head = cc.head;
    auto* last = head;
    for (std::uint32_t i = 1; i < n; ++i)
      last = last->next;
    cc.head = last->next;
    last->next = nullptr;
    cc.count -= n;
    depot_put(c, head, n);
  }

  /// Refills the empty cache of class `c` from the depot or a new slab.
  void refill(std::size_t c) {
    auto& cc = classes[c];
    if (auto* head = depot_take(c)) {
      std::uint32_t n = 0;
      for (auto* b = head; b != nullptr; b = b->next)
        ++n;
      the_depot().blocks.fetch_sub(n, std::memory_order_relaxed);
      cc.head = head;
      cc.count = n;
      return;
    }
    cc.head = carve_slab(c);
    cc.count = batch_size;
  }
};

thread_local thread_cache cache;

} // namespace

void* small_alloc(std::size_t size) {
  if (!pool_enabled || size == 0 || size > small_pool_max)
    return ::operator new(size);
  auto c = class_of(size);
  if (cache_gone) {
    // Thread exit: a batch of its own would never be used up.
    if (auto* head = depot_take(c)) {
      // The batch's other blocks go back (still counted); one leaves.
      if (head->next != nullptr)
        depot_put(c, head->next, 0);
      the_depot().blocks.fetch_sub(1, std::memory_order_relaxed);
      return head;
    }
    auto* slab = carve_slab(c);
    if (slab->next != nullptr)
      depot_put(c, slab->next, batch_size - 1);
    return slab;
  }
  auto& cc = cache.classes[c];
  if (cc.head == nullptr)
    cache.refill(c);
  auto* b = cc.head;
  cc.head = b->next;
  --cc.count;
  return b;
}

void small_free(void* ptr, std::size_t size) noexcept {
  if (ptr == nullptr)
    return;
  if (!pool_enabled || size == 0 || size > small_pool_max) {
    ::operator delete(ptr, size);
    return;
  }
  auto c = class_of(size);
  auto* b = static_cast<free_block*>(ptr);
  if (cache_gone) {
    b->next = nullptr;
    depot_put(c, b, 1);
    return;
  }
  auto& cc = cache.classes[c];
  b->next = cc.head;
  cc.head = b;
  if (++cc.count >= 2 * batch_size)
    cache.give(c, batch_size);
}

std::size_t small_pool_depot_blocks() noexcept {
  return the_depot().blocks.load(std::memory_order_relaxed);
}

} // namespace ringactor::detail
