#include "ringactor/wire/encoding.hpp"

#include <cstdint>
#include <cstring>

namespace ringactor::wire {

std::size_t utf8_invalid_at(std::string_view str) noexcept {
  auto* s = reinterpret_cast<const unsigned char*>(str.data());
  std::size_t n = str.size();
  std::size_t i = 0;
  while (i < n) {
    // ASCII, 16 bytes at a time: no byte has its high bit set.
    constexpr std::uint64_t high = 0x8080808080808080u;
    while (n - i >= 16) {
      std::uint64_t a = 0;
      std::uint64_t b = 0;
      std::memcpy(&a, s + i, 8);
      std::memcpy(&b, s + i + 8, 8);
      if (((a | b) & high) != 0)
        break;
      i += 16;
    }
    if (i == n)
      break;
    unsigned c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned cp = 0;
    unsigned min = 0;
    if ((c & 0xe0) == 0xc0) {
      len = 2, cp = c & 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3, cp = c & 0x0f, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4, cp = c & 0x07, min = 0x10000;
    } else {
      return i; // a continuation byte without a lead, or 0xf8..0xff
    }
    if (n - i < len)
      return i;
    for (std::size_t j = 1; j < len; ++j) {
      unsigned cc = s[i + j];
      if ((cc & 0xc0) != 0x80)
        return i;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      return i; // overlong, past Unicode, or a surrogate
    i += len;
  }
  return n;
}

} // namespace ringactor::wire
