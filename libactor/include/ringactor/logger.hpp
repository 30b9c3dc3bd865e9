// ringactor: logging through fmt. The level comes from the environment
// variable RINGACTOR_LOG (debug, info, warn, error, off; default warn).
#pragma once

#include <functional>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace ringactor {

enum class log_level { debug = 0, info, warn, error, off };

/// The active level (read from RINGACTOR_LOG once, or set_log_level).
log_level current_log_level() noexcept;
void set_log_level(log_level lvl) noexcept;
/// Parses "debug", "info", "warn", "error" or "off"; warn if unknown.
log_level parse_log_level(std::string_view str) noexcept;

/// Where log lines go; by default stderr. Tests install a sink to observe
/// lines. Passing an empty function restores stderr.
using log_sink = std::function<void(log_level, std::string_view)>;
void set_log_sink(log_sink sink);

namespace detail {
void write_log(log_level lvl, std::string_view line);
} // namespace detail

template <class... Ts>
void log(log_level lvl, fmt::format_string<Ts...> fstr, Ts&&... xs) {
  if (lvl < current_log_level())
    return;
  detail::write_log(lvl, fmt::format(fstr, std::forward<Ts>(xs)...));
}

template <class... Ts>
void log_debug(fmt::format_string<Ts...> fstr, Ts&&... xs) {
  log(log_level::debug, fstr, std::forward<Ts>(xs)...);
}
template <class... Ts>
void log_info(fmt::format_string<Ts...> fstr, Ts&&... xs) {
  log(log_level::info, fstr, std::forward<Ts>(xs)...);
}
template <class... Ts>
void log_warn(fmt::format_string<Ts...> fstr, Ts&&... xs) {
  log(log_level::warn, fstr, std::forward<Ts>(xs)...);
}
template <class... Ts>
void log_error(fmt::format_string<Ts...> fstr, Ts&&... xs) {
  log(log_level::error, fstr, std::forward<Ts>(xs)...);
}

} // namespace ringactor
