// Log lines as JSON objects (RINGACTOR_LOG_FORMAT=json) and sampled
// high-frequency events (RINGACTOR_LOG_SAMPLE).
#include <doctest/doctest.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <regex>
#include <string>
#include <vector>

#include <ringactor/all.hpp>

#include "../test_util.hpp"

using namespace ringactor;
using namespace std::chrono_literals;

namespace {

struct say {};

/// Restores the level, format and sampling a test changed.
struct log_settings_guard {
  log_level level = current_log_level();
  log_format format = current_log_format();
  std::size_t every = log_sample_every();
  ~log_settings_guard() {
    set_log_level(level);
    set_log_format(format);
    set_log_sample_every(every);
    set_log_sink(nullptr);
  }
};

} // namespace

TEST_CASE("a json log line is one object with time, level and an escaped message") {
  auto line = detail::format_log_line(log_format::json, log_level::warn,
                                      "quote \" backslash \\ newline \n bad \xff end");
  std::regex shape{
    R"re(^\{"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z","level":"warn",)re"
    R"re("message":"quote \\" backslash \\\\ newline \\u000a bad \\ufffd end"\}$)re"};
  CHECK_MESSAGE(std::regex_match(line, shape), line);
  // Outside an actor there is no actor field; text lines keep their form.
  CHECK(line.find("\"actor\"") == std::string::npos);
  CHECK(detail::format_log_line(log_format::text, log_level::error, "boom")
        == "[ringactor error] boom");
  CHECK(parse_log_format("json") == log_format::json);
  CHECK(parse_log_format("text") == log_format::text);
  CHECK_FALSE(parse_log_format("yaml").has_value());
}

TEST_CASE("a json log line written inside a handler names the actor that wrote it") {
  actor_system sys{actor_system_config{}.set_workers(1)};
  std::mutex mtx;
  std::string line;
  std::atomic<bool> done{false};
  auto a = sys.spawn([&](event_based_actor* self) -> behavior {
    self->set_name("reporter");
    return {[&, self](say) {
      auto l = detail::format_log_line(log_format::json, log_level::info, "hello");
      {
        std::lock_guard guard{mtx};
        line = l + "|" + std::to_string(self->id());
      }
      done = true;
    }};
  });
  anon_send(a, say{});
  REQUIRE(test_util::eventually([&] { return done.load(); }));
  std::lock_guard guard{mtx};
  auto bar = line.find('|');
  auto id = line.substr(bar + 1);
  CHECK(line.find(R"("actor":{"id":)" + id + R"(,"name":"reporter"})") != std::string::npos);
  CHECK(line.find(R"("message":"hello"})") != std::string::npos);
}

TEST_CASE("a sampled event is logged once in every N at its call site") {
  log_settings_guard restore;
  std::vector<std::string> lines;
  set_log_sink([&](log_level, std::string_view l) { lines.emplace_back(l); });
  set_log_level(log_level::debug);
  set_log_sample_every(10);
  for (int i = 0; i < 35; ++i)
    RINGACTOR_LOG_SAMPLED(log_level::debug, "event {}", i);
  REQUIRE(lines.size() == 4); // events 0, 10, 20, 30
  CHECK(lines[0] == "event 0");
  CHECK(lines[3] == "event 30");
  // Below the level, nothing is counted or logged.
  set_log_level(log_level::warn);
  for (int i = 0; i < 35; ++i)
    RINGACTOR_LOG_SAMPLED(log_level::debug, "quiet {}", i);
  CHECK(lines.size() == 4);
  set_log_sample_every(0); // counts as 1: every event
  CHECK(log_sample_every() == 1);
}
