// ringactor telemetry: the value of one configuration key, its type, and
// how a value is written in text (environment variables, the command line,
// durations with units).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include <ringactor/expected.hpp>

namespace ringactor::telemetry {

/// The type a configuration key declares.
enum class config_type { boolean, integer, real, string, duration };

/// "boolean", "integer", "real", "string" or "duration".
std::string_view to_string(config_type x) noexcept;

using duration = std::chrono::nanoseconds;

/// One key's value; the alternative matches the key's config_type.
using config_value = std::variant<bool, std::int64_t, double, std::string, duration>;

/// The type a config_value holds.
config_type type_of(const config_value& x) noexcept;

/// Maps a C++ type to its config_type (bool, std::int64_t, double,
/// std::string, duration).
template <class T>
struct config_type_of;
template <>
struct config_type_of<bool> {
  static constexpr config_type value = config_type::boolean;
};
template <>
struct config_type_of<std::int64_t> {
  static constexpr config_type value = config_type::integer;
};
template <>
struct config_type_of<double> {
  static constexpr config_type value = config_type::real;
};
template <>
struct config_type_of<std::string> {
  static constexpr config_type value = config_type::string;
};
template <>
struct config_type_of<duration> {
  static constexpr config_type value = config_type::duration;
};

/// Parses a duration: an integer and a unit, e.g. "250ms", "2s", "10us"
/// (units: ns, us, ms, s, min, h). Fails with sec::invalid_argument and a
/// message naming the bad part, e.g. `unknown unit "sec" in "2sec"
/// (expected ns, us, ms, s, min or h)`.
expected<duration> parse_duration(std::string_view text);

/// Writes a duration with the largest unit that divides it ("100us", "5s").
std::string format_duration(duration x);

/// Parses text (an environment variable, a command-line value) as a value
/// of type `type`: booleans are true/false/1/0/yes/no/on/off, integers and
/// reals in decimal, durations as parse_duration, strings as they are.
/// Fails with sec::invalid_argument and a message saying what was expected
/// and what was found.
expected<config_value> parse_config_value(config_type type, std::string_view text);

/// Writes a value as a TOML literal would read: strings and durations
/// quoted ("\"250ms\""), numbers and booleans bare.
std::string format_value(const config_value& x);

} // namespace ringactor::telemetry
