// ringactor: the bounded ring that carries slots between the host and a
// kernel (H2K: host to kernel, K2H: kernel to host).
//
// Protocol: Dmitry Vyukov's bounded queue with one sequence number per slot,
// used single-producer single-consumer. Each side keeps its own cursor (a
// position that only grows); no index is shared. For the slot at position p:
//
//   sequence == p              free: the producer at p may write it
//   sequence == p + 1          full: the consumer at p may read it
//   sequence == p + capacity   released: free for the producer at p + capacity
//
// The producer writes header and payload with plain stores, then publishes
// the sequence number with a release store; the consumer reads the sequence
// number first with an acquire load and only then the header and payload. So
// a reader never sees a torn message: everything it reads was written before
// the release it synchronized with. Ownership of the slot's bytes passes back
// and forth through the sequence number; nobody else writes them.
//
// A full ring is reported (try_push returns false), never overwritten.
//
// Credit. The consumer releases slots in order, so once the producer sees
// the slot at position q released (sequence == q), every slot from its
// cursor up to q is free too. The producer keeps that count as credit and
// reads the ring again only when the credit runs out: then it looks at the
// slot a whole ring ahead, then at its own cursor (a full ring costs two
// reads per try), then at shorter spans (see refill_credit()). With a consumer that keeps up, that is one
// read of the consumer's state per `capacity` pushes instead of one per
// push; on CUDA each such read is a PCIe round trip for K2H.
//
// Scope. A ring in mapped host memory (H2K, K2H) publishes at system scope;
// a device channel in device memory (K2K) at device scope (mem_scope.hpp).
// The scope is part of the ring_view.
//
// Device-facing header (docs/device-headers.md): a kernel may include it; it
// and all it includes compile under nvcc, with no fmt, iostream or threads.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>

#include "ringactor/gpu/control_block.hpp"
#include "ringactor/gpu/device.hpp"
#include "ringactor/gpu/mem_scope.hpp"
#include "ringactor/gpu/slot.hpp"
#include "ringactor/gpu/wide_copy.hpp"

namespace ringactor {

/// A bounded ring in memory owned elsewhere: `capacity` slots (a power of
/// two) of `slot_size` bytes each. Trivially copyable: it is passed to the
/// device by value, with device pointers (see rebased()).
class ring_view {
public:
  ring_view() = default;

  /// Views `capacity` slots at `slots`; see valid_geometry(). `scope`:
  /// who shares the memory (system: mapped host memory; device: a device
  /// channel in device memory, see mem_scope.hpp).
  RINGACTOR_HOST_DEVICE ring_view(std::byte* slots, std::uint32_t capacity, std::uint32_t slot_size,
                                  mem_scope scope = mem_scope::system) noexcept
    : slots_(slots), mask_(capacity - 1), slot_size_(slot_size), scope_(scope) {}

  /// Capacity a power of two >= 2; slot size a multiple of 64 and >= 128.
  static constexpr bool valid_geometry(std::uint64_t capacity, std::uint64_t slot_size) noexcept {
    return capacity >= 2 && capacity <= (std::uint64_t{1} << 31) && (capacity & (capacity - 1)) == 0
           && slot_size >= min_slot_size && slot_size % 64 == 0
           && slot_size <= (std::uint64_t{1} << 20);
  }

  /// Bytes of memory that `capacity` slots of `slot_size` bytes occupy.
  static constexpr std::size_t bytes_for(std::uint32_t capacity, std::uint32_t slot_size) noexcept {
    return std::size_t{capacity} * slot_size;
  }

  /// Makes every slot free for the first lap. Run once, on the host, before
  /// either side uses the ring (before the memory is shared).
  void format() noexcept {
    for (std::uint64_t pos = 0; pos <= mask_; ++pos)
      prefix(pos).sequence = pos;
  }

  /// The same ring seen through another mapping of its memory (the device
  /// pointer of mapped host memory), `offset` bytes into `base`.
  ring_view rebased(std::byte* base, std::size_t offset) const noexcept {
    return ring_view{base + offset, capacity(), slot_size_, scope_};
  }

  RINGACTOR_HOST_DEVICE std::uint32_t capacity() const noexcept {
    return static_cast<std::uint32_t>(mask_ + 1);
  }
  RINGACTOR_HOST_DEVICE std::uint32_t slot_size() const noexcept { return slot_size_; }
  RINGACTOR_HOST_DEVICE std::size_t payload_capacity() const noexcept {
    return slot_payload_capacity(slot_size_);
  }
  RINGACTOR_HOST_DEVICE std::byte* data() const noexcept { return slots_; }
  RINGACTOR_HOST_DEVICE mem_scope scope() const noexcept { return scope_; }

  RINGACTOR_HOST_DEVICE std::byte* slot(std::uint64_t pos) const noexcept {
    return slots_ + (pos & mask_) * slot_size_;
  }
  RINGACTOR_HOST_DEVICE detail::slot_prefix& prefix(std::uint64_t pos) const noexcept {
    return *reinterpret_cast<detail::slot_prefix*>(slot(pos));
  }

private:
  std::byte* slots_ = nullptr;
  std::uint64_t mask_ = 0;
  std::uint32_t slot_size_ = 0;
  mem_scope scope_ = mem_scope::system;
};

// The 16-byte copies of wide_copy.hpp need 16-byte aligned payloads: slots
// are 64-byte multiples in 64-byte aligned memory, the payload 64 bytes in.
static_assert(slot_payload_offset % 16 == 0 && min_slot_size % 64 == 0);

/// A message in a ring, valid until the consumer releases it.
struct slot_ref {
  const slot_header* header;
  const std::byte* payload;
};

/// The writing end of a ring. One producer per ring; the cursor is the
/// producer's own (it may be persisted elsewhere, see the control block).
class ring_producer {
public:
  ring_producer() = default;
  RINGACTOR_HOST_DEVICE explicit ring_producer(ring_view ring, std::uint64_t cursor = 0) noexcept
    : ring_(ring), cursor_(cursor) {}

  /// Whether the next push would find a free slot. Reads the ring only
  /// when the credit is used up (see the header comment).
  RINGACTOR_HOST_DEVICE bool has_space() noexcept { return credit_ > 0 || refill_credit(); }

  /// Free slots known without reading the ring again.
  RINGACTOR_HOST_DEVICE std::uint32_t credit() const noexcept { return credit_; }

  /// Reads of the consumer's side (sequence numbers ahead of the cursor)
  /// made so far: what the credit saves. Statistics and tests.
  RINGACTOR_HOST_DEVICE std::uint64_t credit_reads() const noexcept { return credit_reads_; }

  /// Publishes `header` and `header.payload_size` bytes from `payload`.
  /// Returns false, and changes nothing, when the ring is full: that is
  /// backpressure, the caller keeps the message. Precondition: the payload
  /// fits a slot (header.payload_size <= ring.payload_capacity()).
  RINGACTOR_HOST_DEVICE bool try_push(const slot_header& header, const void* payload) noexcept {
    std::byte* slot = claim();
    if (slot == nullptr)
      return false;
    dev::copy_wide(slot + slot_payload_offset, payload, header.payload_size);
    publish(header);
    return true;
  }

  /// Two-step push for writing a payload in place: claim() returns the
  /// slot's first byte (the payload starts at slot_payload_offset) or null
  /// when the ring is full; publish() then makes it visible.
  RINGACTOR_HOST_DEVICE std::byte* claim() noexcept {
    return has_space() ? ring_.slot(cursor_) : nullptr;
  }

  /// Publishes the slot returned by the last claim() with `header`.
  RINGACTOR_HOST_DEVICE void publish(const slot_header& header) noexcept {
    auto& prefix = ring_.prefix(cursor_);
#if RINGACTOR_DEVICE_PASS
    // Every device caller checks the size first (a reply: reply_too_large;
    // a K2K send: too_large). Should one not, the slot becomes an error slot
    // without payload, which its reader reports, rather than a trap, whose
    // sticky error would lose the whole device (device_health.hpp).
    if (header.payload_size > ring_.payload_capacity()) {
      slot_header refused = header;
      refused.kind = slot_kind::error;
      refused.error_code = static_cast<std::uint32_t>(kernel_error::reply_too_large);
      refused.payload_size = 0;
      prefix.header = refused;
    } else {
      prefix.header = header;
    }
#else
    assert(header.payload_size <= ring_.payload_capacity());
    prefix.header = header;
#endif
    // Pairs with the consumer's acquire load in ring_consumer::peek(): the
    // header and payload written above are visible before the slot is full.
    dev::atomic_store(prefix.sequence, cursor_ + 1, mem_order::release, ring_.scope());
    ++cursor_;
    // publish() follows a claim() that found credit (precondition).
    if (credit_ > 0)
      --credit_;
  }

  /// Messages pushed so far (the position of the next push).
  RINGACTOR_HOST_DEVICE std::uint64_t cursor() const noexcept { return cursor_; }
  RINGACTOR_HOST_DEVICE const ring_view& ring() const noexcept { return ring_; }

private:
  /// Finds how many slots from the cursor on are free: the slot a whole
  /// ring ahead first (the common case: the consumer keeps up), then the
  /// cursor's own (not free: the ring is full, two reads), then spans of
  /// capacity / 2, / 4, ... down to 2. The consumer releases in order, so
  /// a released slot at cursor + span - 1 frees all `span`. False: full.
  RINGACTOR_HOST_DEVICE bool refill_credit() noexcept {
    const std::uint32_t capacity = ring_.capacity();
    if (released(capacity)) {
      credit_ = capacity;
      return true;
    }
    if (!released(1))
      return false;
    credit_ = 1;
    for (std::uint32_t span = capacity / 2; span > 1; span /= 2) {
      if (released(span)) {
        credit_ = span;
        break;
      }
    }
    return true;
  }

  /// Whether the slot `span` - 1 positions past the cursor is released for
  /// this lap (sequence == its position).
  RINGACTOR_HOST_DEVICE bool released(std::uint32_t span) noexcept {
    const std::uint64_t pos = cursor_ + span - 1;
    ++credit_reads_;
    // Pairs with the consumer's release store in ring_consumer::release()
    // of position pos - capacity, which follows its releases of every
    // earlier position: the consumer's reads of all `span` slots are done.
    return dev::atomic_load(ring_.prefix(pos).sequence, mem_order::acquire, ring_.scope()) == pos;
  }

  ring_view ring_;
  std::uint64_t cursor_ = 0;
  std::uint32_t credit_ = 0;       // slots known free from cursor_ on
  std::uint64_t credit_reads_ = 0; // sequence loads made by released()
};

/// The reading end of a ring. One consumer per ring.
class ring_consumer {
public:
  ring_consumer() = default;
  RINGACTOR_HOST_DEVICE explicit ring_consumer(ring_view ring, std::uint64_t cursor = 0) noexcept
    : ring_(ring), cursor_(cursor) {}

  /// The next message, or a null header when the ring is empty. The slot
  /// stays ours until release().
  RINGACTOR_HOST_DEVICE slot_ref peek() const noexcept {
    auto& prefix = ring_.prefix(cursor_);
    // Pairs with the producer's release store in ring_producer::publish():
    // the header and payload are complete once the sequence says full.
    if (dev::atomic_load(prefix.sequence, mem_order::acquire, ring_.scope()) != cursor_ + 1)
      return {nullptr, nullptr};
    return {&prefix.header, ring_.slot(cursor_) + slot_payload_offset};
  }

  /// Whether a message is ready (peek() would return one).
  RINGACTOR_HOST_DEVICE bool ready() const noexcept { return peek().header != nullptr; }

  /// Hands the slot returned by the last successful peek() back to the
  /// producer. Do not touch the slot afterwards.
  RINGACTOR_HOST_DEVICE void release() noexcept {
    // Pairs with the producer's acquire load in ring_producer::refill_credit():
    // our reads of this slot happen before the producer overwrites it.
    dev::atomic_store(ring_.prefix(cursor_).sequence, cursor_ + ring_.capacity(),
                      mem_order::release, ring_.scope());
    ++cursor_;
  }

  /// Copies the next message out and releases its slot. Returns false when
  /// the ring is empty. `payload` must hold ring().payload_capacity() bytes
  /// (or at least the payload size of whatever may arrive).
  RINGACTOR_HOST_DEVICE bool try_pop(slot_header& header, void* payload) noexcept {
    auto msg = peek();
    if (msg.header == nullptr)
      return false;
    header = *msg.header;
    dev::copy_wide(payload, msg.payload, header.payload_size);
    release();
    return true;
  }

  /// Messages consumed so far (the position of the next pop).
  RINGACTOR_HOST_DEVICE std::uint64_t cursor() const noexcept { return cursor_; }
  RINGACTOR_HOST_DEVICE const ring_view& ring() const noexcept { return ring_; }

private:
  ring_view ring_;
  std::uint64_t cursor_ = 0;
};

} // namespace ringactor
