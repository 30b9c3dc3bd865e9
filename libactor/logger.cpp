#include "ringactor/logger.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iterator>
#include <mutex>

#include "ringactor/abstract_actor.hpp"
#include "ringactor/trace_scope.hpp"
#include "ringactor/wire/encoding.hpp"
#include "scheduler.hpp"

namespace ringactor {

namespace {

log_level level_from_env() noexcept {
  auto str = std::getenv("RINGACTOR_LOG");
  return str != nullptr ? parse_log_level(str) : log_level::warn;
}

std::atomic<log_level>& level_ref() noexcept {
  static std::atomic<log_level> instance{level_from_env()};
  return instance;
}

log_format format_from_env() noexcept {
  auto str = std::getenv("RINGACTOR_LOG_FORMAT");
  if (str == nullptr)
    return log_format::text;
  if (auto fmt = parse_log_format(str))
    return *fmt;
  std::fprintf(stderr,
               "[ringactor warn] RINGACTOR_LOG_FORMAT=%s is neither text nor json; "
               "using text\n",
               str);
  return log_format::text;
}

std::atomic<log_format>& format_ref() noexcept {
  static std::atomic<log_format> instance{format_from_env()};
  return instance;
}

std::size_t sample_from_env() noexcept {
  auto str = std::getenv("RINGACTOR_LOG_SAMPLE");
  if (str == nullptr)
    return 1;
  char* end = nullptr;
  auto n = std::strtoull(str, &end, 10);
  if (end == str || *end != '\0' || n == 0) {
    std::fprintf(stderr,
                 "[ringactor warn] RINGACTOR_LOG_SAMPLE=%s is not a positive integer; "
                 "logging every event\n",
                 str);
    return 1;
  }
  return static_cast<std::size_t>(n);
}

std::atomic<std::size_t>& sample_ref() noexcept {
  static std::atomic<std::size_t> instance{sample_from_env()};
  return instance;
}

std::mutex& sink_mtx() {
  static std::mutex instance;
  return instance;
}

log_sink& sink_ref() {
  static log_sink instance;
  return instance;
}

std::string_view level_name(log_level lvl) noexcept {
  switch (lvl) {
    case log_level::debug: return "debug";
    case log_level::info: return "info";
    case log_level::warn: return "warn";
    case log_level::error: return "error";
    case log_level::off: return "off";
  }
  return "?";
}

/// Appends `str` as a JSON string; a byte that is not valid UTF-8 becomes
/// U+FFFD (a log line is never refused).
void append_json_text(std::string& out, std::string_view str) {
  out += '"';
  while (!str.empty()) {
    auto bad = wire::utf8_invalid_at(str);
    for (char c : str.substr(0, bad)) {
      auto u = static_cast<unsigned char>(c);
      if (c == '"' || c == '\\') {
        out += '\\';
        out += c;
      } else if (u < 0x20) {
        fmt::format_to(std::back_inserter(out), "\\u{:04x}", u);
      } else {
        out += c;
      }
    }
    if (bad >= str.size())
      break;
    out += "\\ufffd";
    str.remove_prefix(bad + 1);
  }
  out += '"';
}

} // namespace

log_level parse_log_level(std::string_view str) noexcept {
  if (str == "debug")
    return log_level::debug;
  if (str == "info")
    return log_level::info;
  if (str == "warn" || str == "warning")
    return log_level::warn;
  if (str == "error")
    return log_level::error;
  if (str == "off" || str == "none")
    return log_level::off;
  return log_level::warn;
}

log_level current_log_level() noexcept {
  return level_ref().load(std::memory_order_relaxed);
}

void set_log_level(log_level lvl) noexcept {
  level_ref().store(lvl, std::memory_order_relaxed);
}

std::optional<log_format> parse_log_format(std::string_view str) noexcept {
  if (str == "text")
    return log_format::text;
  if (str == "json")
    return log_format::json;
  return std::nullopt;
}

log_format current_log_format() noexcept {
  return format_ref().load(std::memory_order_relaxed);
}

void set_log_format(log_format fmt) noexcept {
  format_ref().store(fmt, std::memory_order_relaxed);
}

std::size_t log_sample_every() noexcept {
  return sample_ref().load(std::memory_order_relaxed);
}

void set_log_sample_every(std::size_t n) noexcept {
  sample_ref().store(n > 0 ? n : 1, std::memory_order_relaxed);
}

void set_log_sink(log_sink sink) {
  std::lock_guard guard{sink_mtx()};
  sink_ref() = std::move(sink);
}

namespace detail {

std::string format_log_line(log_format fmt, log_level lvl, std::string_view msg) {
  // The trace of the message being handled (or the thread's trace_scope).
  auto trace = current_trace();
  if (fmt == log_format::text) {
    if (!trace.valid())
      return fmt::format("[ringactor {}] {}", level_name(lvl), msg);
    return fmt::format("[ringactor {}] {} trace={} span={}", level_name(lvl), msg,
                       as_string_view(trace.trace_id_hex()), as_string_view(trace.span_id_hex()));
  }
  using namespace std::chrono;
  auto now = system_clock::now();
  auto secs = system_clock::to_time_t(now);
  auto micros = duration_cast<microseconds>(now.time_since_epoch()).count() % 1'000'000;
  std::tm utc{};
  gmtime_r(&secs, &utc);
  std::string out;
  out.reserve(msg.size() + 128);
  fmt::format_to(std::back_inserter(out),
                 R"({{"time":"{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z","level":"{}")",
                 utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min,
                 utc.tm_sec, micros, level_name(lvl));
  if (auto* actor = dynamic_cast<abstract_actor*>(running_job())) {
    fmt::format_to(std::back_inserter(out), R"(,"actor":{{"id":{},"name":)", actor->id());
    append_json_text(out, actor->name());
    out += '}';
  }
  if (trace.valid())
    fmt::format_to(std::back_inserter(out), R"(,"trace_id":"{}","span_id":"{}")",
                   as_string_view(trace.trace_id_hex()), as_string_view(trace.span_id_hex()));
  out += R"(,"message":)";
  append_json_text(out, msg);
  out += '}';
  return out;
}

void write_log(log_level lvl, std::string_view line) {
  std::lock_guard guard{sink_mtx()};
  if (auto& sink = sink_ref()) {
    sink(lvl, line);
    return;
  }
  auto text = format_log_line(current_log_format(), lvl, line);
  text += '\n';
  std::fwrite(text.data(), 1, text.size(), stderr);
}

} // namespace detail

} // namespace ringactor
