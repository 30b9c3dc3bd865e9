#include <doctest/doctest.h>

#include <atomic>
#include <thread>
#include <vector>

#include <ringactor/all.hpp>
#include <ringactor/detail/lifo_inbox.hpp>

using namespace ringactor;
using detail::inbox_push_result;
using detail::lifo_inbox;

namespace {

mailbox_element* make(int x) {
  return make_mailbox_element(nullptr, message_id{}, x).release();
}

int value_of(mailbox_element* x) {
  return *x->get_if<int>();
}

} // namespace

TEST_SUITE_BEGIN("libactor");

TEST_CASE("the inbox hands out messages in FIFO order after reversal") {
  lifo_inbox box;
  for (int i = 0; i < 5; ++i)
    CHECK_EQ(box.push(make(i)), inbox_push_result::success);
  auto chain = lifo_inbox::reverse(box.take_head());
  int expected = 0;
  for (auto x = chain; x != nullptr; x = x->next)
    CHECK_EQ(value_of(x), expected++);
  CHECK_EQ(expected, 5);
  lifo_inbox::delete_chain(chain);
  CHECK_EQ(box.take_head(), nullptr);
}

TEST_CASE("a push into a blocked inbox reports that the reader must be woken") {
  lifo_inbox box;
  CHECK(box.try_block());
  CHECK(box.blocked());
  CHECK_EQ(box.push(make(1)), inbox_push_result::unblocked_reader);
  CHECK_EQ(box.push(make(2)), inbox_push_result::success);
  CHECK_FALSE(box.try_block()); // not empty
  lifo_inbox::delete_chain(box.take_head());
  CHECK(box.try_block());
  CHECK(box.try_unblock());
}

TEST_CASE("a closed inbox refuses pushes and returns what it held") {
  lifo_inbox box;
  box.push(make(1));
  box.push(make(2));
  auto rest = lifo_inbox::reverse(box.close());
  REQUIRE(rest != nullptr);
  CHECK_EQ(value_of(rest), 1);
  lifo_inbox::delete_chain(rest);
  auto x = make(3);
  CHECK_EQ(box.push(x), inbox_push_result::closed);
  delete x;
  CHECK(box.closed());
}

TEST_CASE("concurrent producers lose nothing and keep per-producer order") {
  lifo_inbox box;
  constexpr int producers = 4;
  constexpr int per_producer = 100000;
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p)
    threads.emplace_back([&, p] {
      for (int i = 0; i < per_producer; ++i)
        box.push(make(p * per_producer + i));
    });
  std::vector<int> last(producers, -1);
  int received = 0;
  bool ordered = true;
  auto drain = [&] {
    auto chain = lifo_inbox::reverse(box.take_head());
    for (auto x = chain; x != nullptr; x = x->next) {
      auto v = value_of(x);
      auto p = v / per_producer;
      if (v % per_producer != last[p] + 1)
        ordered = false;
      last[p] = v % per_producer;
      ++received;
    }
    lifo_inbox::delete_chain(chain);
  };
  while (received < producers * per_producer)
    drain();
  for (auto& t : threads)
    t.join();
  done = true;
  CHECK(ordered);
  CHECK_EQ(received, producers * per_producer);
}

TEST_SUITE_END();
