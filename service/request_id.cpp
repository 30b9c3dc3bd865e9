// ringactor service: request ids (request_id.hpp).
#include "request_id.hpp"

#include <cstdio>
#include <random>

namespace ringactor::service::detail {

bool usable_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128)
    return false;
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.'
          || c == '_' || c == ':' || c == '-'))
      return false;
  return true;
}

std::string fresh_request_id() {
  // One generator per thread: no lock, and sessions on different threads
  // do not draw the same sequence (each is seeded from random_device).
  thread_local std::mt19937_64 gen{std::random_device{}()};
  char text[33];
  std::snprintf(text, sizeof text, "%016llx%016llx", static_cast<unsigned long long>(gen()),
                static_cast<unsigned long long>(gen()));
  return text;
}

} // namespace ringactor::service::detail
