#include "report.hpp"

#include <cmath>
#include <cstdio>

#include <fmt/format.h>

#include "process_stats.hpp"

namespace bench {

namespace {

// Whole numbers for large figures, four significant digits for small ones:
// both are valid JSON numbers and easy to read in a table.
std::string format_value(double value) {
  if (!std::isfinite(value))
    return "null";
  if (std::fabs(value) >= 1000.0 || value == std::floor(value))
    return fmt::format("{:.0f}", value);
  return fmt::format("{:.4g}", value);
}

} // namespace

reporter::reporter(std::string_view impl, std::size_t workers) : impl_(impl), workers_(workers) {
  // nop
}

void reporter::emit(std::string_view bench, std::string_view metric, double value,
                    std::string_view unit) {
  fmt::print(R"({{"bench":"{}","impl":"{}","metric":"{}","value":{},"unit":"{}","workers":{}}})"
             "\n",
             bench, impl_, metric, format_value(value), unit, workers_);
  std::fflush(stdout);
}

void reporter::emit_time_and_peak_rss(std::string_view bench, double time_ms) {
  emit(bench, "time_ms", time_ms, "ms");
  emit(bench, "rss_peak_mib", peak_resident_mib(), "MiB");
}

} // namespace bench
