// ringactor: the small-block pool's slabs: mapping and carving them (slow
// path: once per slab) and giving them back at idle time (see
// small_pool_depot.hpp).
#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <new>

#include "ringactor/small_pool.hpp"
#include "small_pool_depot.hpp"

namespace ringactor::detail::pool {

namespace {

/// small_pool_slab_bytes of fresh memory aligned to its size. A new mapping
/// usually lands right below the previous one, so it is usually aligned at
/// once; otherwise twice the size is mapped and the ends are cut off.
void* map_slab() {
  constexpr auto bytes = small_pool_slab_bytes;
  constexpr auto mask = std::uintptr_t{bytes - 1};
  constexpr int prot = PROT_READ | PROT_WRITE;
  constexpr int flags = MAP_PRIVATE | MAP_ANONYMOUS;
  void* p = ::mmap(nullptr, bytes, prot, flags, -1, 0);
  if (p == MAP_FAILED)
    throw std::bad_alloc{};
  if ((reinterpret_cast<std::uintptr_t>(p) & mask) == 0)
    return p;
  ::munmap(p, bytes);
  p = ::mmap(nullptr, 2 * bytes, prot, flags, -1, 0);
  if (p == MAP_FAILED)
    throw std::bad_alloc{};
  auto start = reinterpret_cast<std::uintptr_t>(p);
  auto aligned = (start + mask) & ~mask;
  if (aligned != start)
    ::munmap(p, aligned - start);
  auto end = start + 2 * bytes;
  if (end != aligned + bytes)
    ::munmap(reinterpret_cast<void*>(aligned + bytes), end - aligned - bytes);
  return reinterpret_cast<void*>(aligned);
}

/// Sorts a list of slabs (linked by next_free) by address: a merge sort of
/// the list itself, so that the trim needs no memory of its own.
slab_header* sort_by_address(slab_header* list) noexcept {
  if (list == nullptr || list->next_free == nullptr)
    return list;
  // Split in halves (slow and fast pointers), sort both, merge.
  auto* slow = list;
  for (auto* fast = list->next_free; fast != nullptr && fast->next_free != nullptr;
       fast = fast->next_free->next_free)
    slow = slow->next_free;
  auto* second = slow->next_free;
  slow->next_free = nullptr;
  auto* a = sort_by_address(list);
  auto* b = sort_by_address(second);
  slab_header head{};
  auto* tail = &head;
  while (a != nullptr && b != nullptr) {
    auto*& lower = a < b ? a : b;
    tail->next_free = lower;
    tail = lower;
    lower = lower->next_free;
  }
  tail->next_free = a != nullptr ? a : b;
  return head.next_free;
}

/// Unmaps a list of slabs sorted by address, one munmap per run of adjacent
/// slabs: each munmap of a multi-threaded process costs a TLB shootdown on
/// the other cores, and new slabs are mostly mapped next to each other.
std::size_t unmap_slabs(slab_header* sorted) noexcept {
  std::size_t n = 0;
  while (sorted != nullptr) {
    auto* start = reinterpret_cast<std::byte*>(sorted);
    auto* end = start;
    while (sorted != nullptr && reinterpret_cast<std::byte*>(sorted) == end) {
      end += small_pool_slab_bytes;
      sorted = sorted->next_free;
      ++n;
    }
    ::munmap(start, static_cast<std::size_t>(end - start));
  }
  auto& d = the_depot();
  d.slabs_live.fetch_sub(n, std::memory_order_relaxed);
  d.slabs_freed.fetch_add(n, std::memory_order_relaxed);
  return n;
}

/// A chain of batches (linked by next_batch), from `top` down to `bottom`.
struct batch_chain {
  free_block* top = nullptr;
  free_block* bottom = nullptr;

  void push(free_block* batch) noexcept {
    batch->next_batch = top;
    top = batch;
    if (bottom == nullptr)
      bottom = batch;
  }
};

/// Cuts a list of blocks (linked by next) into batches of batch_size.
void push_batches(batch_chain& chain, free_block* list) noexcept {
  while (list != nullptr) {
    auto* last = list;
    std::uint32_t n = 1;
    for (; n < batch_size && last->next != nullptr; ++n)
      last = last->next;
    auto* head = list;
    list = last->next;
    last->next = nullptr;
    set_batch_length(head, n);
    chain.push(head);
  }
}

/// Every block of a slab as a list, in address order.
free_block* carve(slab_header* s) noexcept {
  auto size = block_size(s->size_class);
  auto* first = reinterpret_cast<std::byte*>(s) + s->first_offset;
  free_block* next = nullptr;
  for (auto i = s->block_count; i-- > 0;) {
    auto* b = reinterpret_cast<free_block*>(first + i * size);
    b->next = next;
    next = b;
  }
  return next;
}

/// Sets a free slab's header up for class `c` (its colour stays).
void reset(slab_header* s, std::size_t c) noexcept {
  s->size_class = static_cast<std::uint32_t>(c);
  s->block_count = blocks_per_slab(c);
  s->depot_count = 0;
  s->collected = false;
  s->next_free = nullptr;
}

/// Puts a chain of batches holding `n` blocks into the depot at once.
void depot_put_chain(std::size_t c, batch_chain chain, std::size_t n) noexcept {
  auto& d = the_depot();
  d.blocks[c].fetch_add(n, std::memory_order_relaxed);
  std::lock_guard guard{d.mutexes[c]};
  chain.bottom->next_batch = d.batches[c];
  d.batches[c] = chain.top;
}

} // namespace

free_block* new_slab(std::size_t c, std::uint32_t& n) {
  auto* s = static_cast<slab_header*>(map_slab());
  auto& d = the_depot();
  d.slabs_live.fetch_add(1, std::memory_order_relaxed);
  auto seq = d.slabs_mapped.fetch_add(1, std::memory_order_relaxed);
  auto colour = (seq + c * 11) % slab_colours;
  s->first_offset = static_cast<std::uint32_t>(sizeof(slab_header) + colour * 64);
  reset(s, c);
  // The first batch_size blocks are the caller's, the others the depot's.
  auto* first = carve(s);
  auto* last = first;
  for (std::uint32_t k = 1; k < batch_size; ++k)
    last = last->next;
  batch_chain rest;
  push_batches(rest, last->next);
  last->next = nullptr;
  depot_put_chain(c, rest, s->block_count - batch_size);
  n = batch_size;
  return first;
}

std::size_t trim_class(std::size_t c, bool when_grown) noexcept {
  auto& d = the_depot();
  const std::size_t per_slab = blocks_per_slab(c);
  // Whether the depot holds enough blocks to hold a slab beyond the kept
  // ones and, for an idle-time trim, grew since the last trim.
  auto worth_it = [&] {
    auto in_depot = d.blocks[c].load(std::memory_order_relaxed);
    if (in_depot < (small_pool_kept_slabs + 1) * per_slab)
      return false;
    auto after_last = d.blocks_after_trim[c].load(std::memory_order_relaxed);
    return !when_grown || in_depot >= after_last + std::max(per_slab, after_last / 4);
  };
  if (!worth_it())
    return 0;
  std::lock_guard trim_guard{d.trim_mutexes[c]};
  if (!worth_it()) // a trim that ran meanwhile did it
    return 0;
  free_block* list = nullptr;
  {
    std::lock_guard guard{d.mutexes[c]};
    list = d.batches[c];
    d.batches[c] = nullptr;
  }
  if (list == nullptr)
    return 0;
  // The list is this trim's alone now; frees and refills of other threads
  // go on meanwhile with the (empty) depot. Count the depot's blocks of
  // each slab in its header.
  std::size_t total = 0;
  for (auto* batch = list; batch != nullptr; batch = batch->next_batch)
    for (auto* b = batch; b != nullptr; b = b->next) {
      ++slab_of(b)->depot_count;
      ++total;
    }
  // Split: blocks of slabs still in use stay; slabs whose every block is
  // here are collected once each.
  free_block* in_use = nullptr;
  slab_header* free_slabs = nullptr;
  for (auto* batch = list; batch != nullptr;) {
    auto* next_batch = batch->next_batch;
    for (auto* b = batch; b != nullptr;) {
      auto* next = b->next;
      auto* s = slab_of(b);
      if (s->depot_count == s->block_count) {
        if (!s->collected) {
          s->collected = true;
          s->next_free = free_slabs;
          free_slabs = s;
        }
      } else {
        b->next = in_use;
        in_use = b;
      }
      b = next;
    }
    batch = next_batch;
  }
  for (auto* b = in_use; b != nullptr; b = b->next)
    slab_of(b)->depot_count = 0;
  // Keep a few free slabs for the next burst (at the bottom of the depot,
  // so that blocks of slabs in use are taken first), unmap the others.
  // The lowest ones are kept: the others then form runs from the top.
  batch_chain chain;
  free_slabs = sort_by_address(free_slabs);
  for (std::size_t kept = 0; kept < small_pool_kept_slabs && free_slabs != nullptr; ++kept) {
    auto* s = free_slabs;
    free_slabs = s->next_free;
    reset(s, c);
    push_batches(chain, carve(s));
  }
  auto released = unmap_slabs(free_slabs);
  push_batches(chain, in_use);
  auto released_blocks = released * per_slab;
  d.blocks[c].fetch_sub(released_blocks, std::memory_order_relaxed);
  {
    std::lock_guard guard{d.mutexes[c]};
    if (chain.top != nullptr) {
      chain.bottom->next_batch = d.batches[c];
      d.batches[c] = chain.top;
    }
  }
  d.blocks_after_trim[c].store(total - released_blocks, std::memory_order_relaxed);
  return released * small_pool_slab_bytes;
}

} // namespace ringactor::detail::pool

namespace ringactor {

small_pool_stats small_pool_statistics() noexcept {
  if (!detail::pool::enabled)
    return {};
  auto& d = detail::pool::the_depot();
  small_pool_stats stats;
  stats.slabs_live = d.slabs_live.load(std::memory_order_relaxed);
  stats.slabs_freed = d.slabs_freed.load(std::memory_order_relaxed);
  stats.bytes_live = stats.slabs_live * detail::small_pool_slab_bytes;
  stats.depot_blocks = detail::small_pool_depot_blocks();
  return stats;
}

} // namespace ringactor
