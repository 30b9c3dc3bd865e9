// The body of a batch of frames (remote/frame_batch.hpp): what pack_batch
// writes, split_batch reads back frame for frame; a body whose lengths do not
// cover it exactly, or a count it cannot hold, is refused whole.
#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "frame_batch.hpp"

using namespace ringactor::remote::detail;

namespace {

std::vector<std::byte> frame_of(std::size_t size, std::uint8_t fill) {
  return std::vector<std::byte>(size, std::byte{fill});
}

std::size_t total(const std::vector<std::vector<std::byte>>& frames) {
  std::size_t n = 0;
  for (const auto& f : frames)
    n += f.size();
  return n;
}

} // namespace

TEST_SUITE_BEGIN("remote");

TEST_CASE("a packed batch splits into the same frames, empty ones included") {
  std::vector<std::vector<std::byte>> frames{frame_of(3, 1), frame_of(0, 0), frame_of(70'000, 2),
                                             frame_of(1, 3)};
  auto body = pack_batch(frames, total(frames));
  CHECK_EQ(body.size(), total(frames) + 4 * frames.size());
  auto back = split_batch(body, frames.size());
  REQUIRE(back.has_value());
  REQUIRE_EQ(back->size(), frames.size());
  for (std::size_t i = 0; i < frames.size(); ++i)
    CHECK(std::vector<std::byte>((*back)[i].begin(), (*back)[i].end()) == frames[i]);
}

TEST_CASE("a batch body whose lengths or count do not add up is refused") {
  std::vector<std::vector<std::byte>> frames{frame_of(5, 1), frame_of(6, 2), frame_of(7, 3)};
  auto body = pack_batch(frames, total(frames));
  CHECK(split_batch(body, 3).has_value());
  // Fewer or more frames announced than the body holds.
  CHECK_FALSE(split_batch(body, 2).has_value());
  CHECK_FALSE(split_batch(body, 4).has_value());
  // A batch is at least two frames; a count no body of this size can hold.
  CHECK_FALSE(split_batch(body, 1).has_value());
  CHECK_FALSE(split_batch(body, 0).has_value());
  CHECK_FALSE(split_batch(body, ~std::uint64_t{0}).has_value());
  // Cut inside the last frame, inside its length, or with a byte too many.
  auto cut = body;
  cut.pop_back();
  CHECK_FALSE(split_batch(cut, 3).has_value());
  cut.resize(body.size() - 7 - 2);
  CHECK_FALSE(split_batch(cut, 3).has_value());
  auto longer = body;
  longer.push_back(std::byte{0});
  CHECK_FALSE(split_batch(longer, 3).has_value());
  // A length past the end of the body (4 GiB - 1).
  auto lying = body;
  for (int k = 0; k < 4; ++k)
    lying[k] = std::byte{0xff};
  CHECK_FALSE(split_batch(lying, 3).has_value());
}
