// ringactor remote (private): the byte layout of node frames. Integers are
// little-endian, strings and byte strings carry a u32 length. A reader that
// runs past the end sets failed() and returns zeros, so a truncated or
// garbage frame is detected once, at the end, never read out of bounds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

namespace ringactor::remote::detail {

class frame_writer {
public:
  frame_writer() = default;
  /// Writes into `memory` (its contents dropped, its capacity kept).
  explicit frame_writer(std::vector<std::byte> memory) : out_(std::move(memory)) { out_.clear(); }

  void u8(std::uint8_t x) { out_.push_back(static_cast<std::byte>(x)); }
  void u32(std::uint32_t x) {
    for (int i = 0; i < 4; ++i)
      u8(static_cast<std::uint8_t>(x >> (8 * i)));
  }
  void u64(std::uint64_t x) {
    for (int i = 0; i < 8; ++i)
      u8(static_cast<std::uint8_t>(x >> (8 * i)));
  }
  void bytes(std::span<const std::byte> x) {
    u32(static_cast<std::uint32_t>(x.size()));
    out_.insert(out_.end(), x.begin(), x.end());
  }
  void str(const std::string& x) { bytes(std::as_bytes(std::span{x.data(), x.size()})); }
  /// The rest of the frame, without a length.
  void tail(std::span<const std::byte> x) { out_.insert(out_.end(), x.begin(), x.end()); }
  std::vector<std::byte>& buffer() noexcept { return out_; }
  std::vector<std::byte> take() noexcept { return std::move(out_); }

private:
  std::vector<std::byte> out_;
};

class frame_reader {
public:
  explicit frame_reader(std::span<const std::byte> in) noexcept : in_(in) {}
  std::uint8_t u8() noexcept {
    if (!need(1))
      return 0;
    return static_cast<std::uint8_t>(in_[pos_++]);
  }
  std::uint32_t u32() noexcept {
    std::uint32_t x = 0;
    if (!need(4))
      return 0;
    for (int i = 0; i < 4; ++i)
      x |= std::uint32_t{static_cast<std::uint8_t>(in_[pos_++])} << (8 * i);
    return x;
  }
  std::uint64_t u64() noexcept {
    std::uint64_t x = 0;
    if (!need(8))
      return 0;
    for (int i = 0; i < 8; ++i)
      x |= std::uint64_t{static_cast<std::uint8_t>(in_[pos_++])} << (8 * i);
    return x;
  }
  std::span<const std::byte> bytes(std::size_t max_size) noexcept {
    auto n = u32();
    if (n > max_size || !need(n)) {
      failed_ = true;
      return {};
    }
    auto out = in_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  std::string str(std::size_t max_size) {
    auto x = bytes(max_size);
    return {reinterpret_cast<const char*>(x.data()), x.size()};
  }
  std::span<const std::byte> tail() noexcept {
    auto out = in_.subspan(pos_);
    pos_ = in_.size();
    return out;
  }
  bool failed() const noexcept { return failed_; }
  bool at_end() const noexcept { return pos_ == in_.size(); }

private:
  bool need(std::size_t n) noexcept {
    if (failed_ || in_.size() - pos_ < n) {
      failed_ = true;
      return false;
    }
    return true;
  }
  std::span<const std::byte> in_;
  std::size_t pos_ = 0;
  bool failed_ = false;
};

} // namespace ringactor::remote::detail
