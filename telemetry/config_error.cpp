// ringactor telemetry: configuration errors in words.
#include "ringactor/telemetry/config_error.hpp"

#include <fmt/format.h>

namespace ringactor::telemetry {

std::string config_error::to_string() const {
  std::string out = source;
  if (line > 0)
    out += fmt::format(":{}:{}", line, column);
  if (!key.empty())
    out += fmt::format(": {}", key);
  out += fmt::format(": {}", message);
  return out;
}

std::string config_errors::to_string() const {
  std::string out;
  for (const auto& e : errors_) {
    out += e.to_string();
    out += '\n';
  }
  return out;
}

} // namespace ringactor::telemetry
