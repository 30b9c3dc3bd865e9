// Spare frame buffers (ringactor/remote/frame_buffers.hpp): the memory of a
// large sent frame is kept for the next one, within bounds, from any thread.
#include <doctest/doctest.h>

#include <cstddef>
#include <thread>
#include <vector>

#include <ringactor/remote/frame_buffers.hpp>

#include "frame_batch.hpp"

using ringactor::remote::frame_buffers;

namespace {

std::vector<std::byte> with_capacity(std::size_t n) {
  std::vector<std::byte> x;
  x.reserve(n);
  x.push_back(std::byte{1});
  return x;
}

} // namespace

TEST_SUITE_BEGIN("remote");

TEST_CASE("a large vector given back comes out of take empty with its memory") {
  frame_buffers spare;
  CHECK_EQ(spare.take().capacity(), 0u); // nothing kept: a new vector
  auto x = with_capacity(64 * 1024);
  const auto* memory = x.data();
  spare.give(std::move(x));
  CHECK_EQ(spare.kept(), 1u);
  auto y = spare.take();
  CHECK(y.empty());
  CHECK_GE(y.capacity(), 64u * 1024);
  CHECK_EQ(y.data(), memory);
  CHECK_EQ(spare.reused(), 1u);
  CHECK_EQ(spare.kept(), 0u);
}

TEST_CASE("spare frame buffers keep neither small nor huge vectors, and at most max_kept") {
  frame_buffers spare;
  spare.give(with_capacity(frame_buffers::min_capacity - 1));
  spare.give(with_capacity(frame_buffers::max_capacity + 1));
  CHECK_EQ(spare.kept(), 0u);
  for (std::size_t i = 0; i < frame_buffers::max_kept + 5; ++i)
    spare.give(with_capacity(frame_buffers::min_capacity));
  CHECK_EQ(spare.kept(), frame_buffers::max_kept);
  for (std::size_t i = 0; i < frame_buffers::max_kept; ++i)
    CHECK_GE(spare.take().capacity(), frame_buffers::min_capacity);
  CHECK_EQ(spare.take().capacity(), 0u);
  CHECK_EQ(spare.reused(), frame_buffers::max_kept);
}

TEST_CASE("spare frame buffers are given and taken from several threads at once") {
  frame_buffers spare;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&spare, t] {
      for (int i = 0; i < 2000; ++i) {
        auto x = spare.take();
        x.resize(frame_buffers::min_capacity, std::byte(t)); // written by its one owner
        spare.give(std::move(x));
      }
    });
  for (auto& t : threads)
    t.join();
  CHECK_LE(spare.kept(), frame_buffers::max_kept);
  CHECK_GT(spare.reused(), 0u);
}

TEST_CASE("a batch packed into a kept vector uses its memory and splits into the same frames") {
  std::vector<std::vector<std::byte>> frames{std::vector<std::byte>(100, std::byte{7}),
                                             std::vector<std::byte>(3, std::byte{8})};
  auto memory = with_capacity(64 * 1024);
  memory.assign(500, std::byte{0xee}); // old contents, replaced
  const auto* at = memory.data();
  auto body = ringactor::remote::detail::pack_batch(frames, 103, std::move(memory));
  CHECK_EQ(body.data(), at);
  REQUIRE_EQ(body.size(), 103u + 8);
  auto back = ringactor::remote::detail::split_batch(body, 2);
  REQUIRE(back.has_value());
  CHECK(std::vector<std::byte>((*back)[0].begin(), (*back)[0].end()) == frames[0]);
  CHECK(std::vector<std::byte>((*back)[1].begin(), (*back)[1].end()) == frames[1]);
}
