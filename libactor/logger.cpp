#include "ringactor/logger.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>

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

void set_log_sink(log_sink sink) {
  std::lock_guard guard{sink_mtx()};
  sink_ref() = std::move(sink);
}

namespace detail {

void write_log(log_level lvl, std::string_view line) {
  std::lock_guard guard{sink_mtx()};
  if (auto& sink = sink_ref()) {
    sink(lvl, line);
    return;
  }
  fmt::print(stderr, "[ringactor {}] {}\n", level_name(lvl), line);
}

} // namespace detail

} // namespace ringactor
