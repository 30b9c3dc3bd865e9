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

using namespace ringactor;

namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(RINGACTOR_NO_SMALL_POOL)
constexpr bool pooled = false;
#else
constexpr bool pooled = true;
#endif

// A size no other test object has, so the counts below are this test's.
constexpr std::size_t odd_size = 488;

} // namespace

TEST_SUITE_BEGIN("libactor");

TEST_CASE("blocks freed by a consumer thread flow back to a producer thread") {
  constexpr std::size_t n = 10'000;
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
  std::vector<void*> again(n);
  std::thread second_producer{[&] {
    for (std::size_t i = 0; i < n; ++i)
      again[i] = detail::small_alloc(odd_size);
  }};
  second_producer.join();
  // The second producer took the blocks from the depot: the same memory.
  std::size_t reused = 0;
  for (auto* b : again)
    reused += distinct.count(b);
  CHECK(reused == n);
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
  constexpr std::size_t n = 1'000;
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

TEST_SUITE_END();
