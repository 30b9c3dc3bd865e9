// ringactor telemetry: configuration values in text.
#include "ringactor/telemetry/config_value.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <limits>

#include <fmt/format.h>

namespace ringactor::telemetry {

namespace {

struct unit {
  std::string_view name;
  std::int64_t nanos;
};

// Largest first: format_duration takes the first that divides the value.
constexpr std::array<unit, 6> units{{{"h", 3'600'000'000'000},
                                     {"min", 60'000'000'000},
                                     {"s", 1'000'000'000},
                                     {"ms", 1'000'000},
                                     {"us", 1'000},
                                     {"ns", 1}}};

error invalid(std::string msg) {
  return error{sec::invalid_argument, std::move(msg)};
}

std::string lower(std::string_view s) {
  std::string out{s};
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

} // namespace

std::string_view to_string(config_type x) noexcept {
  switch (x) {
    case config_type::boolean: return "boolean";
    case config_type::integer: return "integer";
    case config_type::real: return "real";
    case config_type::string: return "string";
    case config_type::duration: return "duration";
  }
  return "unknown";
}

config_type type_of(const config_value& x) noexcept {
  return static_cast<config_type>(x.index());
}

expected<duration> parse_duration(std::string_view text) {
  auto quoted = fmt::format("\"{}\"", text);
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits])))
    ++digits;
  if (digits == 0)
    return invalid(fmt::format("expected a duration: an integer and a unit such as \"250ms\", "
                               "found {}",
                               quoted));
  std::int64_t count = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + digits, count);
  if (ec != std::errc{})
    return invalid(fmt::format("duration {} is too large", quoted));
  auto suffix = text.substr(digits);
  if (suffix.empty())
    return invalid(fmt::format("duration {} has no unit (expected ns, us, ms, s, min or h)",
                               quoted));
  for (const auto& u : units) {
    if (suffix == u.name) {
      if (count > std::numeric_limits<std::int64_t>::max() / u.nanos)
        return invalid(fmt::format("duration {} is too large", quoted));
      return duration{count * u.nanos};
    }
  }
  return invalid(fmt::format("unknown unit \"{}\" in {} (expected ns, us, ms, s, min or h)", suffix,
                             quoted));
}

std::string format_duration(duration x) {
  auto n = x.count();
  if (n == 0)
    return "0s";
  for (const auto& u : units)
    if (n % u.nanos == 0)
      return fmt::format("{}{}", n / u.nanos, u.name);
  return fmt::format("{}ns", n);
}

expected<config_value> parse_config_value(config_type type, std::string_view text) {
  auto quoted = fmt::format("\"{}\"", text);
  switch (type) {
    case config_type::boolean: {
      auto s = lower(text);
      if (s == "true" || s == "1" || s == "yes" || s == "on")
        return config_value{true};
      if (s == "false" || s == "0" || s == "no" || s == "off")
        return config_value{false};
      return invalid(fmt::format("expected a boolean (true or false), found {}", quoted));
    }
    case config_type::integer: {
      std::int64_t x = 0;
      auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), x);
      if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size())
        return invalid(fmt::format("expected an integer, found {}", quoted));
      return config_value{x};
    }
    case config_type::real: {
      double x = 0;
      auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), x);
      if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size())
        return invalid(fmt::format("expected a real number, found {}", quoted));
      return config_value{x};
    }
    case config_type::string: return config_value{std::string{text}};
    case config_type::duration: {
      auto d = parse_duration(text);
      if (!d)
        return d.error();
      return config_value{*d};
    }
  }
  return invalid("unknown configuration type");
}

std::string format_value(const config_value& x) {
  return std::visit(
    [](const auto& v) -> std::string {
      using T = std::decay_t<decltype(v)>;
      if constexpr (std::is_same_v<T, bool>)
        return v ? "true" : "false";
      else if constexpr (std::is_same_v<T, std::string>)
        return fmt::format("\"{}\"", v);
      else if constexpr (std::is_same_v<T, duration>)
        return fmt::format("\"{}\"", format_duration(v));
      else
        return fmt::format("{}", v);
    },
    x);
}

} // namespace ringactor::telemetry
