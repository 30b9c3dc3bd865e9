// The small-block pool: blocks freed on one thread are reused by another,
// blocks keep their contents until freed, and the objects that use it
// (mailbox elements, actors) go through it.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include <ringactor/all.hpp>
#include <ringactor/detail/small_pool.hpp>

#include "test_util.hpp"

using namespace ringactor;

namespace {

// As the library decides (libactor/small_pool_depot.hpp): no pool under
// AddressSanitizer, whichever compiler says so (GCC's macro, clang's
// __has_feature), or with RINGACTOR_NO_SMALL_POOL.
#if defined(__SANITIZE_ADDRESS__) || defined(RINGACTOR_NO_SMALL_POOL)
constexpr bool pooled = false;
#elif defined(__has_feature)
#  if __has_feature(address_sanitizer)
constexpr bool pooled = false;
#  else
constexpr bool pooled = true;
#  endif
#else
constexpr bool pooled = true;
#endif

// A size no other test object has, so the counts below are this test's.
constexpr std::size_t odd_size = 488;

} // namespace

TEST_SUITE_BEGIN("libactor");

TEST_CASE("blocks freed by a consumer thread flow back to a producer thread") {
  // Fewer blocks than the depot keeps in free slabs (4 of 127 blocks of
  // 496 bytes): the trim at the consumer's exit keeps them all.
  constexpr std::size_t n = 500;
  std::vector<void*> blocks(n);
  std::thread producer{[&] {
    for (std::size_t i = 0; i < n; ++i) {
      blocks[i] = detail::small_alloc(odd_size);
      std::memset(blocks[i], static_cast<int>(i & 0xff), odd_size);
    }
  }};
  producer.join();
  // Every block is distinct and kept what was written into it.
  std::set<void*> distinct(blocks.begin(), blocks.end());
  CHECK(distinct.size() == n);
  std::size_t damaged = 0;
  for (std::size_t i = 0; i < n; ++i) {
    auto* bytes = static_cast<unsigned char*>(blocks[i]);
    damaged += bytes[0] != (i & 0xff) || bytes[odd_size - 1] != (i & 0xff) ? 1 : 0;
  }
  CHECK(damaged == 0);
  auto before = detail::small_pool_depot_blocks();
  std::thread consumer{[&] {
    for (auto* b : blocks)
      detail::small_free(b, odd_size);
  }};
  consumer.join();
  if (!pooled)
    return; // under ASan every block went back to the system
  // The consumer kept at most two batches, and gave the rest (and its cache
  // when it ended) to the depot: all of them.
  auto in_depot = detail::small_pool_depot_blocks() - before;
  CHECK(in_depot >= n);
  auto live_before = small_pool_statistics().slabs_live;
  std::vector<void*> again(n);
  std::thread second_producer{[&] {
    for (std::size_t i = 0; i < n; ++i)
      again[i] = detail::small_alloc(odd_size);
  }};
  second_producer.join();
  // The second producer took the blocks from the depot: the same memory,
  // no new slab.
  std::size_t reused = 0;
  for (auto* b : again)
    reused += distinct.count(b);
  CHECK(reused >= n - 2 * 64); // the depot also held the slabs' unused blocks
  CHECK(small_pool_statistics().slabs_live == live_before);
  for (auto* b : again)
    detail::small_free(b, odd_size);
}

TEST_CASE("requests larger than the pool's largest block bypass it") {
  auto before = detail::small_pool_depot_blocks();
  std::thread t{[] {
    void* big = detail::small_alloc(detail::small_pool_max + 1);
    std::memset(big, 1, detail::small_pool_max + 1);
    detail::small_free(big, detail::small_pool_max + 1);
  }};
  t.join();
  CHECK(detail::small_pool_depot_blocks() == before);
}

TEST_CASE("mailbox elements are pooled: freed on the receiver's thread, back in the depot") {
  if (!pooled)
    return;
  // A payload that puts the element in a class no other test object uses.
  struct payload {
    char bytes[380];
  };
  static_assert(sizeof(mailbox_element_for<payload>) <= 464); // not odd_size's class
  constexpr std::size_t n = 400; // fewer than the depot keeps in free slabs
  std::vector<mailbox_element_ptr> elements;
  std::thread sender{[&] {
    for (std::size_t i = 0; i < n; ++i)
      elements.push_back(make_mailbox_element(nullptr, message_id{}, payload{}));
  }};
  sender.join();
  auto before = detail::small_pool_depot_blocks();
  std::thread receiver{[&] { elements.clear(); }};
  receiver.join();
  CHECK(detail::small_pool_depot_blocks() - before >= n);
}

TEST_CASE("a burst of messages maps slabs that go back to the system once the workers idle") {
  if (!pooled)
    return; // under ASan every block goes back to the system at once
  constexpr int n = 200'000;
  actor_system sys{actor_system_config{}.set_workers(2)};
  test_util::gate gate;
  std::atomic<int> handled{0};
  // The first message holds the sink until every message is queued: the
  // burst's elements are all live at once.
  auto sink = sys.spawn([&]() -> behavior {
    return {[&](int) {
      if (handled.load(std::memory_order_relaxed) == 0)
        gate.wait();
      handled.fetch_add(1, std::memory_order_release);
    }};
  });
  auto before = small_pool_statistics();
  for (int i = 0; i < n; ++i)
    anon_send(sink, i);
  auto peak = small_pool_statistics();
  gate.open();
  REQUIRE(test_util::eventually([&] { return handled.load(std::memory_order_acquire) == n; }));
  // A mailbox element is at least 32 bytes: the burst took at least 6 MB.
  CHECK(peak.slabs_live >= before.slabs_live + n * 32 / detail::small_pool_slab_bytes);
  // Once the workers park, a few slabs per size class stay for the next
  // burst, and those that blocks in the threads' caches keep: 16 slabs are 1 MiB.
  constexpr std::size_t bound = 16;
  CHECK(test_util::eventually([&] {
    return small_pool_statistics().slabs_live <= before.slabs_live + bound;
  }));
  auto after = small_pool_statistics();
  MESSAGE("slabs live: " << before.slabs_live << " before, " << peak.slabs_live
                         << " at the burst's peak, " << after.slabs_live << " after idling ("
                         << after.slabs_freed - before.slabs_freed << " given back)");
}

TEST_CASE("small_pool_trim gives back free slabs and keeps those with a block in use") {
  if (!pooled)
    return;
  // A class of its own (block 352), used on this thread only.
  constexpr std::size_t size = 350;
  constexpr std::size_t slabs = 20;
  // A slab's header and colour take 64 + 2,048 bytes.
  constexpr std::size_t per_slab = (detail::small_pool_slab_bytes - 64 - 2048) / 352;
  std::vector<void*> blocks(slabs * per_slab);
  for (auto& b : blocks) {
    b = detail::small_alloc(size);
    std::memset(b, 0x5a, size);
  }
  // One block stays in use in each of the first 5 slabs this test mapped.
  auto slab_of = [](void* p) {
    return reinterpret_cast<std::uintptr_t>(p) & ~(detail::small_pool_slab_bytes - 1);
  };
  std::set<std::uintptr_t> pinned_slabs;
  std::vector<void*> pinned;
  std::vector<void*> freed;
  for (auto* b : blocks) {
    if (pinned_slabs.size() < 5 && pinned_slabs.insert(slab_of(b)).second)
      pinned.push_back(b);
    else
      freed.push_back(b);
  }
  auto live_before = small_pool_statistics().slabs_live;
  for (auto* b : freed)
    detail::small_free(b, size);
  auto given_back = small_pool_trim();
  auto after = small_pool_statistics();
  // 20 slabs less the 5 pinned, the kept ones and at most 2 that this
  // thread's cache (one batch) still uses.
  constexpr auto at_least = slabs - 5 - detail::small_pool_kept_slabs - 2;
  CHECK(given_back >= at_least * detail::small_pool_slab_bytes);
  CHECK(live_before - after.slabs_live == given_back / detail::small_pool_slab_bytes);
  // The pinned blocks are still mapped and intact.
  std::size_t intact = 0;
  for (auto* b : pinned) {
    auto* bytes = static_cast<unsigned char*>(b);
    intact += bytes[0] == 0x5a && bytes[size - 1] == 0x5a ? 1 : 0;
    detail::small_free(b, size);
  }
  CHECK(intact == pinned.size());
  // Now their slabs are free too.
  CHECK(small_pool_trim() > 0);
}

TEST_SUITE_END();
