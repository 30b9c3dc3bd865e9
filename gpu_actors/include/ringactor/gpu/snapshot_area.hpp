// ringactor: the snapshot area, where a kernel's leader publishes snapshots
// of the kernel's state and the host reads them, at any time, even after the
// kernel faulted or stalled (host memory on the CPU backend, pinned host
// memory mapped into the device on CUDA).
//
// Layout (every part 64-byte aligned):
//
//   header (64 B: size, interval; written by the host before sharing)
//   slot 0: sequence (64 B line) | messages | snapshot words
//   slot 1: the same
//
// Protocol: a seqlock per slot (Boehm, "Can seqlocks get along with
// programming language memory models?", 2012), two slots used alternately.
// Snapshot number k (1, 2, ...) goes into slot k % 2 with sequence 2k - 1
// while it is written and 2k once complete. A reader takes the complete slot
// with the larger sequence; it never returns a torn snapshot, because it
// rereads the sequence after copying and discards the copy if it changed.
// Two slots, so that a writer that dies in the middle of a write (a device
// trap, a killed thread) leaves the previous snapshot readable in the other.
//
// Every shared word is accessed through dev:: atomics. Writer: odd sequence
// (relaxed), data words, even sequence (release). What orders the odd
// sequence before the data words differs by side: on the device a release
// fence and relaxed data stores (a system-scope release store per word would
// be a fence per word); on the host release data stores, which cost nothing
// on x86 and need no fence (ThreadSanitizer cannot model fences). Reader (the
// host): acquire load of the sequence, acquire loads of the data words,
// relaxed reload of the sequence; each acquire load that reads a data word
// of a newer write synchronizes with that write's release (store or fence),
// so the reload sees the newer write's odd sequence or a later value, and
// the copy is discarded. One writer (the kernel's leader) and any number of
// readers.
//
// Device-facing header (docs/device-headers.md): a kernel may include it; it
// and all it includes compile under nvcc, with no fmt, iostream or threads.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ringactor/gpu/device.hpp"

namespace ringactor::detail {

class snapshot_area_ref {
public:
  RINGACTOR_HOST_DEVICE explicit snapshot_area_ref(std::byte* base) noexcept : base_(base) {}

  /// Bytes of an area for snapshots of `size` bytes.
  static constexpr std::size_t bytes_for(std::uint32_t size) noexcept {
    return 64 + 2 * slot_bytes(size);
  }

  /// Formats the area (zeroed memory of bytes_for(size) bytes) before the
  /// kernel exists: plain writes, published to the kernel by its launch.
  void format(std::uint32_t size, std::uint32_t interval) noexcept {
    header()[0] = size;
    header()[1] = interval;
  }

  /// Bytes of one snapshot.
  RINGACTOR_HOST_DEVICE std::uint32_t size() const noexcept { return header()[0]; }
  /// The leader publishes after every interval-th message.
  RINGACTOR_HOST_DEVICE std::uint32_t interval() const noexcept { return header()[1]; }

  // -- the writer (the kernel's leader thread) ----------------------------------

  /// Snapshots published so far (also by an earlier launch of the loop).
  RINGACTOR_HOST_DEVICE std::uint64_t published() const noexcept {
    // The writer's own fields: relaxed. An odd value (a write an earlier
    // launch did not finish) counts as published, so the number is not reused.
    auto a = dev::atomic_load(sequence(0), mem_order::relaxed);
    auto b = dev::atomic_load(sequence(1), mem_order::relaxed);
    return ((a > b ? a : b) + 1) / 2;
  }

  /// Publishes snapshot number `number` (published() + 1): `size()` bytes at
  /// `data`, taken after `messages` messages.
  RINGACTOR_HOST_DEVICE void publish(std::uint64_t number, const void* data,
                                     std::uint64_t messages) noexcept {
    const auto slot = static_cast<std::uint32_t>(number % 2);
    auto& seq = sequence(slot);
    // Odd: being written. Seen by the reader's reload of the sequence when
    // its copy read any data word stored below (see the top of the file).
    dev::atomic_store(seq, 2 * number - 1, mem_order::relaxed);
#if RINGACTOR_DEVICE_PASS
    // Orders the odd sequence before the relaxed data stores below; pairs
    // with the reader's acquire loads of the data words.
    dev::fence(mem_order::release);
    constexpr auto data_order = mem_order::relaxed;
#else
    // Each store orders the odd sequence before itself; pairs with the
    // reader's acquire load of the same word.
    constexpr auto data_order = mem_order::release;
#endif
    auto* words = data_words(slot);
    dev::atomic_store(words[0], messages, data_order);
    const auto* bytes = static_cast<const std::byte*>(data);
    const std::uint32_t n = size();
    for (std::uint32_t i = 0; i * 8 < n; ++i) {
      std::uint64_t w = 0;
      dev::copy_bytes(&w, bytes + i * 8, n - i * 8 < 8 ? n - i * 8 : 8);
      dev::atomic_store(words[1 + i], w, data_order);
    }
    // Even: complete. Pairs with the reader's acquire load of the sequence:
    // a reader that sees 2 * number sees every data store above.
    dev::atomic_store(seq, 2 * number, mem_order::release);
  }

  // -- the reader (the host) ------------------------------------------------------

  /// Copies the latest complete snapshot (`size()` bytes) to `dst` and its
  /// number and message count; false when none was published yet. Spins
  /// while the writer rewrites both slots during one read (it never waits
  /// on a writer that stopped: the other slot then stays complete).
  bool read_latest(void* dst, std::uint64_t& number, std::uint64_t& messages) const noexcept;

private:
  RINGACTOR_HOST_DEVICE static constexpr std::size_t slot_bytes(std::uint32_t size) noexcept {
    return 64 + (8 + (std::size_t{size} + 7) / 8 * 8 + 63) / 64 * 64;
  }

  /// One try at slot `slot`: its sequence if it was complete and unchanged
  /// during the copy into `words` (1 + size/8 words), else 0.
  std::uint64_t try_read(std::uint32_t slot, std::uint64_t* words) const noexcept;

  RINGACTOR_HOST_DEVICE std::uint32_t* header() const noexcept {
    return reinterpret_cast<std::uint32_t*>(base_);
  }
  RINGACTOR_HOST_DEVICE std::uint64_t& sequence(std::uint32_t slot) const noexcept {
    return *reinterpret_cast<std::uint64_t*>(base_ + 64 + slot * slot_bytes(size()));
  }
  RINGACTOR_HOST_DEVICE std::uint64_t* data_words(std::uint32_t slot) const noexcept {
    return reinterpret_cast<std::uint64_t*>(base_ + 128 + slot * slot_bytes(size()));
  }

  std::byte* base_;
};

} // namespace ringactor::detail
