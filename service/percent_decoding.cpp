#include "percent_decoding.hpp"

namespace ringactor::service::detail {

namespace {

/// The value of a hex digit, or -1.
int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

} // namespace

std::string percent_decoded(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    int hi = 0;
    int lo = 0;
    if (in[i] == '%' && i + 2 < in.size() && (hi = hex_value(in[i + 1])) >= 0
        && (lo = hex_value(in[i + 2])) >= 0) {
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

} // namespace ringactor::service::detail
