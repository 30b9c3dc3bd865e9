// ringactor wire: the primitive encodings of the binary format (see
// docs/architecture.md, "Wire format"): LEB128 varints for lengths and
// indices, fixed-width little-endian scalars, UTF-8 validation.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>
#include <vector>

namespace ringactor::wire {

static_assert(std::endian::native == std::endian::little,
              "ringactor wire: the binary format copies scalars as they are in memory, "
              "which is its little-endian layout only on a little-endian host");

/// Appends `x` as an unsigned LEB128 varint (1 to 10 bytes).
inline void append_varint(std::vector<std::byte>& out, std::uint64_t x) {
  while (x >= 0x80) {
    out.push_back(static_cast<std::byte>((x & 0x7f) | 0x80));
    x >>= 7;
  }
  out.push_back(static_cast<std::byte>(x));
}

/// Appends the bytes of a scalar (its little-endian form).
template <class T>
  requires std::is_arithmetic_v<T>
void append_scalar(std::vector<std::byte>& out, T x) {
  auto n = out.size();
  out.resize(n + sizeof(T));
  std::memcpy(out.data() + n, &x, sizeof(T));
}

/// The outcome of reading a varint.
enum class varint_status {
  ok,
  truncated,  ///< the input ended inside it
  overflow,   ///< it has more than 64 bits
  non_minimal ///< it has a redundant trailing zero group (not the canonical form)
};

/// Reads a varint at `pos` of `in`, advancing `pos` on success.
inline varint_status read_varint(const std::byte* in, std::size_t size, std::size_t& pos,
                                 std::uint64_t& x) noexcept {
  std::uint64_t result = 0;
  for (unsigned i = 0; i < 10; ++i) {
    if (pos + i >= size)
      return varint_status::truncated;
    auto b = static_cast<std::uint8_t>(in[pos + i]);
    if (i == 9 && b > 1)
      return varint_status::overflow;
    result |= static_cast<std::uint64_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) {
      if (b == 0 && i > 0)
        return varint_status::non_minimal;
      pos += i + 1;
      x = result;
      return varint_status::ok;
    }
  }
  return varint_status::overflow;
}

/// The offset of the first byte of `str` that is not part of valid UTF-8
/// (overlong forms, surrogates and code points past U+10FFFF are invalid),
/// or str.size() if it is all valid.
std::size_t utf8_invalid_at(std::string_view str) noexcept;

} // namespace ringactor::wire
