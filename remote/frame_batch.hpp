// ringactor remote (private): a batch, the small frames of one progress pass
// to one peer sent as one UCX active message (transport_progress.cpp). Its
// header (transport_impl.hpp's frame_header) holds the first frame's
// sequence number and the count; its body is each frame as a 4-byte
// little-endian length and its bytes. The receiver checks the whole body
// before it takes a frame: a batch is taken or refused as one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <vector>

namespace ringactor::remote::detail {

/// The body of a batch of `frames`, whose sizes add up to `bytes`, written
/// into `out`'s memory (its contents replaced).
inline std::vector<std::byte> pack_batch(std::span<const std::vector<std::byte>> frames,
                                         std::size_t bytes, std::vector<std::byte> out = {}) {
  // Appended, not resized and overwritten: the whole batch is written once.
  out.clear();
  out.reserve(bytes + 4 * frames.size());
  for (const auto& f : frames) {
    auto n = static_cast<std::uint32_t>(f.size());
    const std::byte length[4] = {std::byte(n), std::byte(n >> 8), std::byte(n >> 16),
                                 std::byte(n >> 24)};
    out.insert(out.end(), length, length + 4);
    out.insert(out.end(), f.begin(), f.end());
  }
  return out;
}

/// The frames of a batch body said to hold `count` of them; nullopt unless
/// count is at least 2 and the lengths cover the body exactly.
inline std::optional<std::vector<std::span<const std::byte>>>
split_batch(std::span<const std::byte> body, std::uint64_t count) {
  if (count < 2 || count > body.size() / 4)
    return std::nullopt;
  std::vector<std::span<const std::byte>> frames;
  frames.reserve(count);
  std::size_t at = 0;
  while (frames.size() < count) {
    if (body.size() - at < 4)
      return std::nullopt;
    std::uint32_t n = 0;
    for (int k = 0; k < 4; ++k)
      n |= std::uint32_t(body[at + k]) << (8 * k);
    at += 4;
    if (body.size() - at < n)
      return std::nullopt;
    frames.push_back(body.subspan(at, n));
    at += n;
  }
  if (at != body.size())
    return std::nullopt;
  return frames;
}

} // namespace ringactor::remote::detail
