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

/// The body of a batch of `frames`, whose sizes add up to `bytes`.
inline std::vector<std::byte> pack_batch(std::span<const std::vector<std::byte>> frames,
                                         std::size_t bytes) {
  std::vector<std::byte> out(bytes + 4 * frames.size());
  auto* p = out.data();
  for (const auto& f : frames) {
    auto n = static_cast<std::uint32_t>(f.size());
    for (int k = 0; k < 4; ++k)
      p[k] = std::byte(n >> (8 * k));
    if (n != 0)
      std::memcpy(p + 4, f.data(), n);
    p += 4 + n;
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
