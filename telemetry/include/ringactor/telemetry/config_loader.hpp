// ringactor telemetry: loading a configuration from a TOML file, the
// environment and the command line, with this precedence (as CAF 0.19.5 and
// Rust's `config` crate):
//
//   command line --key=value  >  environment RINGACTOR_<TABLE>__<KEY>  >  file  >  defaults
//
// A command-line key is the dotted path (--system.workers=4); an environment
// variable is the path in upper case with each dot written as `__`
// (RINGACTOR_SYSTEM__WORKERS=4, RINGACTOR_POOLS__DB__SIZE=8). Their text is
// parsed as the key's declared type. Arguments that are not --<a.b>=<value>
// (no dot in the name) belong to the application and are left alone, and so
// are environment variables without `__` (RINGACTOR_LOG).
//
// Loading never half-applies: every error of every source is collected, and
// a configuration comes back only when there is none.
//
//   auto cfg = telemetry::load_config("ringactor.toml", argc, argv);
//   if (!cfg) {
//     fmt::print(stderr, "{}", cfg.errors().to_string());
//     return 1;
//   }
//   actor_system sys{cfg->system};
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "ringactor/telemetry/config.hpp"
#include "ringactor/telemetry/config_error.hpp"
#include "ringactor/telemetry/config_schema.hpp"

namespace ringactor::telemetry {

/// A config, or every error that kept it from loading.
class config_result {
public:
  config_result(config x) : value_(std::move(x)) {}        // NOLINT: implicit by design
  config_result(config_errors x) : value_(std::move(x)) {} // NOLINT: implicit by design

  bool has_value() const noexcept { return value_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  /// The config; throws std::runtime_error with every error (one a line)
  /// when loading failed.
  config& value() &;
  const config& value() const&;
  config&& value() &&;
  config& operator*() & { return value(); }
  const config& operator*() const& { return value(); }
  config* operator->() { return &value(); }
  const config* operator->() const { return &value(); }

  /// The errors (empty when loading succeeded).
  const config_errors& errors() const noexcept;

private:
  std::variant<config, config_errors> value_;
};

/// Where load_config reads from.
struct config_sources {
  /// A TOML file; empty: none.
  std::filesystem::path file;
  /// Environment variables as NAME=VALUE; load_config takes the process
  /// environment.
  std::vector<std::string> environment;
  /// Command-line arguments without the program name.
  std::vector<std::string> args;
};

/// Loads `sources` against `schema`.
config_result load_config(const config_sources& sources, const config_schema& schema);

/// Loads `file` (empty: none), the process environment and argv[1..argc)
/// against `schema` (by default the runtime's keys).
config_result load_config(const std::filesystem::path& file, int argc, const char* const* argv,
                          const config_schema& schema);
config_result load_config(const std::filesystem::path& file, int argc = 0,
                          const char* const* argv = nullptr);

/// The process environment as NAME=VALUE strings.
std::vector<std::string> process_environment();

} // namespace ringactor::telemetry
