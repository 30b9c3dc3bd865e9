// ringactor: logging through fmt. The level comes from the environment
// variable RINGACTOR_LOG (debug, info, warn, error, off; default warn), the
// line format from RINGACTOR_LOG_FORMAT (text, the default, or json: one
// object per line with time, level, actor, trace and message), and the
// sampling of high-frequency events (RINGACTOR_LOG_SAMPLED) from RINGACTOR_LOG_SAMPLE
// (log 1 in N; default 1, every one). Each has a setter for configuration.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
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

/// How a line written to stderr looks.
/// Within a trace (the message being handled, or a trace_scope, carries a
/// trace context) a line names it: text lines end in
/// ` trace=<trace id> span=<span id>`, json objects have "trace_id" and
/// "span_id" (32 and 16 lowercase hex digits) before "message".
enum class log_format {
  text, ///< [ringactor warn] message
  json, ///< {"time":"2026-12-06T09:01:02.123456Z","level":"warn","actor":{"id":7,"name":"pool"},"message":"..."}
};

/// The active format (read from RINGACTOR_LOG_FORMAT once, or set_log_format).
log_format current_log_format() noexcept;
void set_log_format(log_format fmt) noexcept;
/// Parses "text" or "json"; nullopt for anything else.
std::optional<log_format> parse_log_format(std::string_view str) noexcept;

/// RINGACTOR_LOG_SAMPLED logs 1 in `n` of its events (per call site);
/// n = 1 logs every one. Read from RINGACTOR_LOG_SAMPLE once, or set here
/// (0 counts as 1).
std::size_t log_sample_every() noexcept;
void set_log_sample_every(std::size_t n) noexcept;

/// Where log lines go; by default stderr. Tests install a sink to observe
/// lines. Passing an empty function restores stderr.
using log_sink = std::function<void(log_level, std::string_view)>;
void set_log_sink(log_sink sink);

namespace detail {
void write_log(log_level lvl, std::string_view line);

/// The line write_log prints to stderr for `msg` in `fmt`, with the actor
/// that runs on this thread (if any), the thread's trace context (if any)
/// and the current time. No newline. A log sink runs on the logging thread,
/// so it may call this to see the line as stderr would.
std::string format_log_line(log_format fmt, log_level lvl, std::string_view msg);

/// Counts an event of one sampled call site: true for the first and then
/// every log_sample_every()-th.
inline bool sample_hit(std::atomic<std::uint64_t>& site) noexcept {
  // Relaxed: a count; which event of a burst is logged does not matter.
  auto n = site.fetch_add(1, std::memory_order_relaxed);
  auto every = log_sample_every();
  return every <= 1 || n % every == 0;
}
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

/// Logs a high-frequency event (one per message, say) 1 in
/// log_sample_every() times at this call site:
///
///   RINGACTOR_LOG_SAMPLED(log_level::debug, "actor {} dropped a late response", id());
#define RINGACTOR_LOG_SAMPLED(lvl, ...)                             \
  do {                                                              \
    if ((lvl) >= ::ringactor::current_log_level()) {                \
      static ::std::atomic<::std::uint64_t> ringactor_log_site_{0}; \
      if (::ringactor::detail::sample_hit(ringactor_log_site_))     \
        ::ringactor::log((lvl), __VA_ARGS__);                       \
    }                                                               \
  } while (false)
