// ringactor telemetry tests: the README's configuration key list, between
// the markers <!-- config-keys:begin --> and <!-- config-keys:end -->.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ringactor::test {

inline constexpr std::string_view config_keys_begin = "<!-- config-keys:begin -->\n";
inline constexpr std::string_view config_keys_end = "<!-- config-keys:end -->";

/// The text between the markers; none if they are missing.
inline std::optional<std::string> config_keys_section(const std::string& readme) {
  auto b = readme.find(config_keys_begin);
  if (b == std::string::npos)
    return std::nullopt;
  b += config_keys_begin.size();
  auto e = readme.find(config_keys_end, b);
  if (e == std::string::npos)
    return std::nullopt;
  return readme.substr(b, e - b);
}

/// `readme` with the text between the markers replaced by `table`; none if
/// the markers are missing.
inline std::optional<std::string> with_config_keys(const std::string& readme,
                                                   const std::string& table) {
  auto b = readme.find(config_keys_begin);
  auto e = b == std::string::npos ? b : readme.find(config_keys_end, b);
  if (e == std::string::npos)
    return std::nullopt;
  b += config_keys_begin.size();
  return readme.substr(0, b) + table + readme.substr(e);
}

} // namespace ringactor::test
