// ringactor telemetry: what is wrong with a configuration, and where.
//
//   config.toml:3:11: system.workers: expected an integer in [1, 4096], found 0
//   environment variable RINGACTOR_SYSTEM__WORKERS: system.workers: expected an integer,
//     found "abc"
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ringactor::telemetry {

/// One problem in one place.
struct config_error {
  /// Where the value came from: a file path, "environment variable
  /// RINGACTOR_SYSTEM__WORKERS" or "command line --system.workers".
  std::string source;
  /// 1-based line and column in the file; 0 when the source has none.
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  /// The dotted key path ("system.workers"); empty for a file that does not
  /// parse at all.
  std::string key;
  /// What was expected and what was found, and a suggestion if there is one.
  std::string message;

  /// "source[:line:column]: key: message".
  std::string to_string() const;
};

/// Every problem found while loading a configuration (never just the first).
class config_errors {
public:
  config_errors() = default;
  explicit config_errors(std::vector<config_error> xs) : errors_(std::move(xs)) {}

  void push_back(config_error x) { errors_.push_back(std::move(x)); }
  bool empty() const noexcept { return errors_.empty(); }
  size_t size() const noexcept { return errors_.size(); }
  const config_error& operator[](size_t i) const { return errors_[i]; }
  auto begin() const noexcept { return errors_.begin(); }
  auto end() const noexcept { return errors_.end(); }

  /// One error per line.
  std::string to_string() const;

private:
  std::vector<config_error> errors_;
};

} // namespace ringactor::telemetry
