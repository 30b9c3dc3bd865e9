// ringactor remote (private): the buffers of a payload. A message's
// shared_device_buffer fields (gpu/shared_device_buffer.hpp) travel by
// content in the payload's buffer section, between its stable id and its
// binary body:
//
//   u64 stable id | u32 count | count x (u64 length, length bytes) | body
//
// The body names each buffer by its index in the section (from 1). The
// sender reads each buffer's bytes into the frame (host memory directly,
// device memory staged through pinned host memory) and refuses a message
// whose buffers together exceed the node's max_message_size, naming the
// field; the receiver checks every length against the same bound and what
// is left of the frame before it allocates anything, allocates each buffer
// on its configured backend and device and fills it, and refuses a frame
// whose section holds a buffer the body does not name (nothing is dropped
// silently).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include <ringactor/expected.hpp>
#include <ringactor/gpu/kernel_config.hpp>
#include <ringactor/gpu/shared_device_buffer.hpp>

#include "frame_codec.hpp"

namespace ringactor::remote::detail {

/// How a node carries buffers: the bound on their bytes in one message,
/// and where the ones that arrive are allocated.
struct buffer_policy {
  std::size_t max_bytes = std::size_t{64} << 20;
  kernel_backend backend = kernel_backend::automatic;
  int device = 0;
};

/// The carrier in scope while a node encodes a payload: it notes each
/// buffer (the message, which owns it, outlives the encoding) and then
/// writes the section.
class outgoing_buffers final : public ringactor::detail::buffer_carrier {
public:
  explicit outgoing_buffers(std::size_t max_bytes) noexcept : max_bytes_(max_bytes) {}

  expected<std::uint32_t> put(const std::byte* host, const std::byte* device, std::size_t bytes,
                              std::string_view path) override;
  expected<received> take(std::uint32_t index, std::size_t bytes, std::string_view path) override;

  /// Appends the section (the count, then each buffer's length and
  /// bytes); an error when a device copy fails.
  expected<void> write(frame_writer& w) const;

  /// Whether the encoding named no buffer (the section is a count of 0).
  bool empty() const noexcept { return pieces_.empty(); }

private:
  struct piece {
    const std::byte* host;
    const std::byte* device;
    std::size_t bytes;
  };
  std::size_t max_bytes_;
  std::size_t total_ = 0;
  std::vector<piece> pieces_;
};

/// The carrier in scope while a node decodes a payload: the section's
/// buffers, each allocated and filled when the body names it.
class incoming_buffers final : public ringactor::detail::buffer_carrier {
public:
  /// Reads the section at the start of `payload` (which then holds the
  /// body), each length checked before anything is allocated.
  static expected<incoming_buffers> read(std::span<const std::byte>& payload,
                                         const buffer_policy& policy);

  expected<std::uint32_t> put(const std::byte* host, const std::byte* device, std::size_t bytes,
                              std::string_view path) override;
  expected<received> take(std::uint32_t index, std::size_t bytes, std::string_view path) override;

  /// An error when a buffer of the section was not named by the body.
  expected<void> all_taken() const;

private:
  buffer_policy policy_;
  std::vector<std::span<const std::byte>> pieces_;
  std::vector<bool> taken_;
};

} // namespace ringactor::remote::detail
