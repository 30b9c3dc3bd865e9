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

/// A batch's length lives in its second block's `next_batch` (unused while
/// the batch is in the depot): taking a batch then costs two cache misses,
/// not one per block. Counting by walking the list was 64% of a producer's
/// time in savina_fork_join, as every block was last written by the
/// consumer's core.
void set_batch_length(free_block* head, std::uint32_t n) noexcept {
  if (head->next != nullptr)
    head->next->next_batch = reinterpret_cast<free_block*>(static_cast<std::uintptr_t>(n));
}

std::uint32_t batch_length(const free_block* head) noexcept {
  if (head->next == nullptr)
    return 1;
  return static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(head->next->next_batch));
}

/// Puts the batch `head` of `n` blocks in the depot.
void depot_put(std::size_t c, free_block* head, std::uint32_t n) noexcept {
  auto& d = the_depot();
  d.blocks.fetch_add(n, std::memory_order_relaxed);
  set_batch_length(head, n);
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
  auto* slab = static_cast<std::byte*>(::operator new(size* batch_size));
  for (std::uint32_t i = 0; i < batch_size; ++i) {
    auto* b = reinterpret_cast<free_block*>(slab + i * size);
    b->next = i + 1 < batch_size ? reinterpret_cast<free_block*>(slab + (i + 1) * size) : nullptr;
  }
  return reinterpret_cast<free_block*>(slab);
}

struct class_cache {
  free_block* head;
  std::uint32_t count;
};

enum class cache_mode : std::uint8_t {
  unregistered = 0, ///< the thread has not used the pool yet
  active = 1,
  gone = 2, ///< the thread is exiting; its cache went to the depot
};

/// One per thread. Plain data, zero-initialized, with no constructor or
/// destructor, so that the hot path reaches it with one TLS access and no
/// initialization guard (initial-exec: %fs-relative on x86-64; the library
/// is linked, not dlopen'ed, and this is 520 bytes).
struct thread_cache {
  cache_mode mode;
  std::array<class_cache, class_count> classes;
};

[[gnu::tls_model("initial-exec")]] thread_local thread_cache cache;

/// Moves the first `n` blocks of class `c` of this thread's cache to the
/// depot as one batch.
void give(std::size_t c, std::uint32_t n) noexcept {
  auto& cc = cache.classes[c];
  auto* head = cc.head;
  auto* last = head;
  for (std::uint32_t i = 1; i < n; ++i)
    last = last->next;
  cc.head = last->next;
  last->next = nullptr;
  cc.count -= n;
  depot_put(c, head, n);
}

/// Refills this thread's empty cache of class `c` from the depot or a new
/// slab.
void refill(std::size_t c) {
  auto& cc = cache.classes[c];
  if (auto* head = depot_take(c)) {
    auto n = batch_length(head);
    the_depot().blocks.fetch_sub(n, std::memory_order_relaxed);
    cc.head = head;
    cc.count = n;
    return;
  }
  cc.head = carve_slab(c);
  cc.count = batch_size;
}

/// Gives the thread's cache to the depot when the thread ends (a
/// thread_local with a destructor, constructed on the thread's first use
/// of the pool, off the hot path).
struct thread_exit_flush {
  thread_exit_flush() noexcept { cache.mode = cache_mode::active; }
  thread_exit_flush(const thread_exit_flush&) = delete;
  thread_exit_flush& operator=(const thread_exit_flush&) = delete;
  ~thread_exit_flush() {
    // From here on, frees on this thread (other thread_local destructors)
    // go straight to the depot.
    cache.mode = cache_mode::gone;
    for (std::size_t c = 0; c < class_count; ++c)
      if (cache.classes[c].count > 0)
        give(c, cache.classes[c].count);
  }
};

/// Whether this thread's cache can be used, registering it on first use.
bool cache_usable() noexcept {
  if (cache.mode == cache_mode::unregistered) {
    thread_local thread_exit_flush flush; // sets mode to active
    (void) flush;
  }
  return cache.mode == cache_mode::active;
}

} // namespace

void* small_alloc(std::size_t size) {
  if (!pool_enabled || size == 0 || size > small_pool_max)
    return ::operator new(size);
  auto c = class_of(size);
  if (cache.mode != cache_mode::active && !cache_usable()) {
    // Thread exit: a batch of its own would never be used up.
    if (auto* head = depot_take(c)) {
      // The batch's other blocks go back; one leaves.
      auto n = batch_length(head);
      the_depot().blocks.fetch_sub(n, std::memory_order_relaxed);
      if (head->next != nullptr)
        depot_put(c, head->next, n - 1);
      return head;
    }
    auto* slab = carve_slab(c);
    if (slab->next != nullptr)
      depot_put(c, slab->next, batch_size - 1);
    return slab;
  }
  auto& cc = cache.classes[c];
  if (cc.head == nullptr)
    refill(c);
  auto* b = cc.head;
  cc.head = b->next;
  --cc.count;
  // The next block was last written by whichever thread freed it (for
  // messages: the receiver's core); fetch it while this one is in use.
  __builtin_prefetch(cc.head, 1);
  return b;
}

void small_free(void* ptr, std::size_t size) noexcept {
  if (ptr == nullptr)
    return;
  if (!pool_enabled || size == 0 || size > small_pool_max) {
    // Unsized: clang before 19 declares the sized forms only with
    // -fsized-deallocation.
    ::operator delete(ptr);
    return;
  }
  auto c = class_of(size);
  auto* b = static_cast<free_block*>(ptr);
  if (cache.mode != cache_mode::active && !cache_usable()) {
    b->next = nullptr;
    depot_put(c, b, 1);
    return;
  }
  auto& cc = cache.classes[c];
  b->next = cc.head;
  cc.head = b;
  if (++cc.count >= 2 * batch_size)
    give(c, batch_size);
}

std::size_t small_pool_depot_blocks() noexcept {
  return the_depot().blocks.load(std::memory_order_relaxed);
}

} // namespace ringactor::detail
