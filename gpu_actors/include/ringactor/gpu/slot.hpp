// ringactor: the fixed-size slot of the host/kernel rings.
//
// A slot is `slot_size` bytes (a multiple of 64, at least 128):
//
//   offset  0  sequence      u64   the publication protocol of ring.hpp
//   offset  8  slot_header   56 B  type id, kind, flags, sizes, ids, HLC stamp
//   offset 64  payload       slot_size - 64 bytes, 64-byte aligned
//
// The header is plain data: it is written before the sequence number is
// published and read after it is observed, so it needs no atomics.
//
// Device-facing header (docs/device-headers.md): a kernel may include it; it
// and all it includes compile under nvcc, with no fmt, iostream or threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "ringactor/gpu/device.hpp"
#include "ringactor/gpu/hlc_timestamp.hpp"

namespace ringactor {

/// What a slot carries.
enum class slot_kind : std::uint16_t {
  message = 1, ///< a message (H2K: to the kernel; K2H: from the kernel to a host actor)
  reply = 2,   ///< K2H: the answer to the request with the slot's request id
  error = 3,   ///< K2H: the request failed; error_code says why (a kernel_error)
};

struct slot_header {
  /// 1-based position of the payload type in the kernel's message list; 0 = none.
  std::uint32_t type_id = 0;
  slot_kind kind = slot_kind::message;
  std::uint16_t flags = 0; ///< slot_flags bits; zero on the host rings
  std::uint32_t payload_size = 0;
  std::uint32_t error_code = 0; ///< for kind == error: a kernel_error value
  /// Non-zero for a request (H2K) and for its reply (K2H); 0 for a plain
  /// message. A K2H message flagged k2k_routed: the K2K address of its
  /// destination (the broker it goes to routes it there).
  std::uint64_t request_id = 0;
  /// H2K: the host actor that sent the message; K2H: the kernel's actor id.
  std::uint64_t sender_id = 0;
  /// K2H: the host actor a reply or message goes to. H2K from a host
  /// actor: the span id of the message's trace context (W3C trace context,
  /// trace_context.hpp), 0 when untraced; a kernel reads it as
  /// kernel_context::trace_span_id(). On a device channel (flag k2k): the
  /// sender's and receiver's K2K addresses (see k2k_port.hpp).
  std::uint64_t receiver_id = 0;
  /// H2K and K2H: carried unchanged (zero unless the host set one). Device
  /// channels: the sending kernel's hybrid logical clock at the send.
  hlc_timestamp stamp;
};

/// Bits of slot_header::flags.
namespace slot_flags {
/// The message came from another kernel over a device channel (K2K).
inline constexpr std::uint16_t k2k = 1;
/// In K2H: a ctx.send that the receiver (a K2K broker) routes to the K2K
/// address in request_id; the poller hands it over as a kernel_routed_message.
inline constexpr std::uint16_t k2k_routed = 2;
} // namespace slot_flags

namespace detail {

/// The first 64 bytes of every slot.
struct slot_prefix {
  std::uint64_t sequence;
  slot_header header;
};

} // namespace detail

/// Bytes before the payload in every slot.
inline constexpr std::size_t slot_payload_offset = 64;
/// The smallest slot: 64 bytes of payload.
inline constexpr std::size_t min_slot_size = 128;
/// The default slot: 192 bytes of payload.
inline constexpr std::size_t default_slot_size = 256;

static_assert(sizeof(slot_header) == 56 && alignof(slot_header) == 8);
static_assert(sizeof(detail::slot_prefix) == slot_payload_offset);
static_assert(std::is_trivially_copyable_v<slot_header>);

/// Payload bytes in a slot of `slot_size` bytes.
RINGACTOR_HOST_DEVICE constexpr std::size_t slot_payload_capacity(std::size_t slot_size) noexcept {
  return slot_size - slot_payload_offset;
}

/// The slot size a kernel needs: its `static constexpr std::size_t
/// slot_size` if it declares one, else default_slot_size. Messages and
/// replies of its interface, and what it sends to the host, must fit a slot
/// of this size (spawn_kernel and kernel_context check it at compile time).
template <class Kernel>
inline constexpr std::size_t kernel_slot_size_v = [] {
  if constexpr (requires { Kernel::slot_size; })
    return static_cast<std::size_t>(Kernel::slot_size);
  else
    return default_slot_size;
}();

/// A message type can travel through a ring if it is trivially copyable and
/// fits the payload of a slot of `SlotSize` bytes.
template <class T, std::size_t SlotSize = default_slot_size>
concept slot_message = std::is_trivially_copyable_v<T>
                       && sizeof(T) <= slot_payload_capacity(SlotSize)
                       && alignof(T) <= slot_payload_offset;

} // namespace ringactor
