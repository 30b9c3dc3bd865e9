// Prints benchmark figures as JSON lines, the format bench/run and bench/table.py
// read:
//   {"bench":"ping_pong","impl":"caf","metric":"round_trips_per_s",
//    "value":1234567,"unit":"1/s","workers":2}
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace bench {

class reporter {
public:
  reporter(std::string_view impl, std::size_t workers);

  /// Prints one figure and flushes, so a run that dies later keeps it.
  void emit(std::string_view bench, std::string_view metric, double value, std::string_view unit);

  /// A Savina workload's figures: `time_ms` and the process's peak resident
  /// set (`rss_peak_mib`; each workload runs in its own process).
  void emit_time_and_peak_rss(std::string_view bench, double time_ms);

private:
  std::string impl_;
  std::size_t workers_;
};

} // namespace bench
