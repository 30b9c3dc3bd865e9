// ringactor: the small-block pool's fast path: per-thread caches and batch
// moves to and from the depot (see detail/small_pool.hpp and
// small_pool_depot.hpp).
#include "ringactor/detail/small_pool.hpp"

#include <array>
#include <cstdint>

#include "ringactor/small_pool.hpp"
#include "small_pool_depot.hpp"

namespace ringactor::detail {

namespace {

using namespace pool;

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
    the_depot().blocks[c].fetch_sub(n, std::memory_order_relaxed);
    cc.head = head;
    cc.count = n;
    return;
  }
  std::uint32_t n = 0;
  cc.head = new_slab(c, n);
  cc.count = n;
}

/// Moves this thread's cache beyond one batch per class to the depot.
void give_beyond_one_batch() noexcept {
  if (cache.mode != cache_mode::active)
    return;
  for (std::size_t c = 0; c < class_count; ++c)
    if (cache.classes[c].count > batch_size)
      give(c, cache.classes[c].count - batch_size);
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
    small_pool_trim_idle();
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
  if (!pool::enabled || size == 0 || size > small_pool_max)
    return ::operator new(size);
  auto c = class_of(size);
  if (cache.mode != cache_mode::active && !cache_usable()) {
    // Thread exit: a batch of its own would never be used up.
    if (auto* head = depot_take(c)) {
      // The batch's other blocks go back; one leaves.
      auto n = batch_length(head);
      the_depot().blocks[c].fetch_sub(n, std::memory_order_relaxed);
      if (head->next != nullptr)
        depot_put(c, head->next, n - 1);
      return head;
    }
    std::uint32_t n = 0;
    auto* batch = new_slab(c, n);
    if (batch->next != nullptr)
      depot_put(c, batch->next, n - 1);
    return batch;
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
  if (!pool::enabled || size == 0 || size > small_pool_max) {
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
  std::size_t n = 0;
  for (auto& blocks : the_depot().blocks)
    n += blocks.load(std::memory_order_relaxed);
  return n;
}

void small_pool_trim_idle() noexcept {
  if (!pool::enabled)
    return;
  give_beyond_one_batch();
  for (std::size_t c = 0; c < class_count; ++c)
    trim_class(c, true);
}

} // namespace ringactor::detail

namespace ringactor {

std::size_t small_pool_trim() noexcept {
  if (!detail::pool::enabled)
    return 0;
  detail::give_beyond_one_batch();
  std::size_t freed = 0;
  for (std::size_t c = 0; c < detail::pool::class_count; ++c)
    freed += detail::pool::trim_class(c, false);
  return freed;
}

} // namespace ringactor
