// JSON text primitives (json/json_text.hpp).
#include "ringactor/json/json_text.hpp"

#include <cmath>
#include <iterator>

#include <fmt/format.h>

#include "ringactor/wire/encoding.hpp"

namespace ringactor::wire {

std::size_t append_json_string(std::string& out, std::string_view str) {
  if (auto bad = utf8_invalid_at(str); bad < str.size())
    return bad;
  out.reserve(out.size() + str.size() + 2);
  out += '"';
  for (char c : str) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (u < 0x20)
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", u);
        else
          out += c;
    }
  }
  out += '"';
  return str.size();
}

void append_json_integer(std::string& out, std::int64_t x) {
  fmt::format_to(std::back_inserter(out), "{}", x);
}

void append_json_integer(std::string& out, std::uint64_t x) {
  fmt::format_to(std::back_inserter(out), "{}", x);
}

// fmt's default format is the shortest representation that round-trips
// (Dragonbox); it never prints "inf" or "nan" here (callers check first).
// Negative zero is "-0.0": "-0" would read back as the integer 0.
void append_json_number(std::string& out, double x) {
  if (x == 0 && std::signbit(x))
    out += "-0.0";
  else
    fmt::format_to(std::back_inserter(out), "{}", x);
}

void append_json_number(std::string& out, float x) {
  if (x == 0 && std::signbit(x))
    out += "-0.0";
  else
    fmt::format_to(std::back_inserter(out), "{}", x);
}

} // namespace ringactor::wire
