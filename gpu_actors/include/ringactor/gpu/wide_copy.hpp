// ringactor: the copy that moves payloads in and out of ring slots.
//
// On CUDA a payload often sits in pinned host memory mapped into the
// device, so every load or store of it is a PCIe transaction. memcpy in
// device code compiles to a loop of single bytes (nvcc cannot assume any
// alignment); copy_wide moves 16-byte words (uint4: one 16-byte load and
// store each) wherever both ends allow it, then 8-, 4- and 1-byte tails.
// A slot's payload starts 64 bytes into a 64-byte aligned slot
// (slot.hpp), and the scratch copy is 64-byte aligned too, so ring traffic
// takes the 16-byte path; a kernel's reply value on its stack may be less
// aligned and takes the widest path its address allows.
//
// The host compiles the same code (the CPU backend runs it), with memcpy of
// a fixed width for each word, which the compiler turns into one move.
//
// Device-facing header (docs/device-headers.md): a kernel may include it; it
// and all it includes compile under nvcc, with no fmt, iostream or threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "ringactor/gpu/device.hpp"

namespace ringactor::dev {

namespace detail {

/// Copies one word of `Width` bytes; both addresses are `Width`-aligned.
template <std::size_t Width>
RINGACTOR_HOST_DEVICE RINGACTOR_INLINE void copy_word(unsigned char* dst,
                                                      const unsigned char* src) noexcept {
#if RINGACTOR_DEVICE_PASS
  if constexpr (Width == 16)
    *reinterpret_cast<uint4*>(dst) = *reinterpret_cast<const uint4*>(src);
  else if constexpr (Width == 8)
    *reinterpret_cast<unsigned long long*>(dst) = *reinterpret_cast<const unsigned long long*>(src);
  else if constexpr (Width == 4)
    *reinterpret_cast<unsigned int*>(dst) = *reinterpret_cast<const unsigned int*>(src);
  else
    *dst = *src;
#else
  std::memcpy(dst, src, Width);
#endif
}

} // namespace detail

/// The widest word (16, 8, 4 or 1 bytes) that copy_wide can use between
/// `dst` and `src`: the largest power of two, up to 16, dividing both.
RINGACTOR_HOST_DEVICE RINGACTOR_INLINE std::size_t copy_word_width(const void* dst,
                                                                   const void* src) noexcept {
  auto bits = reinterpret_cast<std::uintptr_t>(dst) | reinterpret_cast<std::uintptr_t>(src);
  return (bits & 15) == 0 ? 16 : (bits & 7) == 0 ? 8 : (bits & 3) == 0 ? 4 : 1;
}

/// Copies `n` bytes between plain (non-atomic), non-overlapping buffers in
/// the widest words both addresses allow (see above). `src` may be null when
/// `n` is 0 (an empty payload).
RINGACTOR_HOST_DEVICE RINGACTOR_INLINE void copy_wide(void* dst, const void* src,
                                                      std::size_t n) noexcept {
  if (n == 0 || src == nullptr)
    return;
  auto* d = static_cast<unsigned char*>(dst);
  const auto* s = static_cast<const unsigned char*>(src);
  const auto width = copy_word_width(dst, src);
  std::size_t i = 0;
  // Each narrower loop starts where a wider one stopped, at an offset that
  // is a multiple of the wider width: its words stay aligned. After a wider
  // loop it runs at most once (fewer than `wider` bytes remain).
  if (width >= 16)
    for (; n - i >= 16; i += 16)
      detail::copy_word<16>(d + i, s + i);
  if (width >= 8)
    for (; n - i >= 8; i += 8)
      detail::copy_word<8>(d + i, s + i);
  if (width >= 4)
    for (; n - i >= 4; i += 4)
      detail::copy_word<4>(d + i, s + i);
  for (; i < n; ++i)
    detail::copy_word<1>(d + i, s + i);
}

} // namespace ringactor::dev
