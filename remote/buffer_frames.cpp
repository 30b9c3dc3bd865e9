// The buffer section of a payload (buffer_frames.hpp): what the sender
// notes and writes, what the receiver checks, allocates and fills.
#include "buffer_frames.hpp"

#include <exception>
#include <new>
#include <string>

#include <fmt/format.h>

#include <ringactor/error.hpp>
#include <ringactor/gpu/cuda_backend.hpp>
#include <ringactor/gpu/device_buffer.hpp>

namespace ringactor::remote::detail {

// -- sending ------------------------------------------------------------------------

expected<std::uint32_t> outgoing_buffers::put(const std::byte* host, const std::byte* device,
                                              std::size_t bytes, std::string_view) {
  if (bytes > max_bytes_ || total_ > max_bytes_ - bytes)
    return error{sec::invalid_argument,
                 fmt::format("a buffer of {} bytes is past the node's max_message_size ({} "
                             "bytes{})",
                             bytes, max_bytes_,
                             total_ > 0
                               ? fmt::format(", {} of them taken by earlier buffers", total_)
                               : std::string{})};
  if (pieces_.size() >= std::size_t{0xffffffffu} - 1)
    return error{sec::invalid_argument, std::string{"too many buffers in one message"}};
  total_ += bytes;
  pieces_.push_back(piece{host, device, bytes});
  return static_cast<std::uint32_t>(pieces_.size());
}

expected<ringactor::detail::buffer_carrier::received>
outgoing_buffers::take(std::uint32_t, std::size_t, std::string_view) {
  return error{sec::invalid_argument, std::string{"no buffer is read while encoding"}};
}

expected<void> outgoing_buffers::write(frame_writer& w) const {
  w.u32(static_cast<std::uint32_t>(pieces_.size()));
  for (auto& p : pieces_) {
    w.u64(p.bytes);
    auto& out = w.buffer();
    auto at = out.size();
    out.resize(at + p.bytes);
    try {
      ringactor::detail::read_buffer_bytes(p.host, p.device, p.bytes, out.data() + at);
    } catch (const std::exception& e) {
      return error{sec::runtime_error,
                   fmt::format("reading a buffer of {} bytes to send it: {}", p.bytes, e.what())};
    }
  }
  return {};
}

// -- receiving ----------------------------------------------------------------------

expected<incoming_buffers> incoming_buffers::read(std::span<const std::byte>& payload,
                                                  const buffer_policy& policy) {
  frame_reader r{payload};
  auto count = r.u32();
  if (r.failed())
    return error{sec::invalid_argument, "a payload without its buffer section"};
  // Each buffer takes at least its 8-byte length: a count past what the
  // frame can hold is refused before anything is reserved for it.
  if (count > (payload.size() - 4) / 8)
    return error{sec::invalid_argument,
                 fmt::format("a buffer section of {} buffers in {} bytes", count, payload.size())};
  incoming_buffers out;
  out.policy_ = policy;
  out.pieces_.reserve(count);
  std::size_t total = 0;
  std::size_t consumed = 4;
  for (std::uint32_t i = 0; i < count; ++i) {
    auto n = r.u64();
    if (r.failed() || n > policy.max_bytes || total > policy.max_bytes - n
        || n > payload.size() - consumed - 8)
      return error{sec::invalid_argument,
                   fmt::format("buffer {} of a payload: {} bytes (the node's max_message_size is "
                               "{}, {} bytes of the frame are left)",
                               i + 1, n, policy.max_bytes, payload.size() - consumed - 8)};
    consumed += 8;
    out.pieces_.push_back(payload.subspan(consumed, static_cast<std::size_t>(n)));
    consumed += static_cast<std::size_t>(n);
    total += static_cast<std::size_t>(n);
    // frame_reader has no skip: read past the bytes by a fresh reader.
    r = frame_reader{payload.subspan(consumed)};
  }
  out.taken_.assign(count, false);
  payload = payload.subspan(consumed);
  return out;
}

expected<std::uint32_t> incoming_buffers::put(const std::byte*, const std::byte*, std::size_t,
                                              std::string_view) {
  return error{sec::invalid_argument, std::string{"no buffer is written while decoding"}};
}

expected<ringactor::detail::buffer_carrier::received>
incoming_buffers::take(std::uint32_t index, std::size_t bytes, std::string_view) {
  if (index == 0 || index > pieces_.size())
    return error{sec::invalid_argument,
                 fmt::format("buffer {} of a section of {}", index, pieces_.size())};
  auto& piece = pieces_[index - 1];
  if (taken_[index - 1])
    return error{sec::invalid_argument, fmt::format("buffer {} named twice", index)};
  if (piece.size() != bytes)
    return error{sec::invalid_argument,
                 fmt::format("a field of {} bytes, a buffer of {}", bytes, piece.size())};
  taken_[index - 1] = true;
  try {
    // At least one byte: a region of 0 bytes is no region (its owner would
    // not count as holding memory).
    auto memory = ringactor::detail::allocate_buffer_memory(policy_.backend, policy_.device,
                                                            std::max<std::size_t>(bytes, 1));
    ringactor::detail::write_buffer_bytes(memory.host(), memory.device(), bytes, piece.data());
    auto device = memory.host() != nullptr ? 0 : policy_.device;
    return received{std::move(memory), device};
  } catch (const std::exception& e) {
    return error{sec::runtime_error,
                 fmt::format("allocating a buffer of {} bytes here: {}", bytes, e.what())};
  }
}

expected<void> incoming_buffers::all_taken() const {
  std::size_t missed = 0;
  for (bool t : taken_)
    missed += t ? 0 : 1;
  if (missed == 0)
    return {};
  return error{sec::invalid_argument,
               fmt::format("{} of the payload's {} buffers are named by no field of its message",
                           missed, taken_.size())};
}

} // namespace ringactor::remote::detail
