// ringactor telemetry: a loaded, validated configuration: every key's value
// and where it came from, and the runtime's settings built from them.
//
//   auto cfg = telemetry::load_config("ringactor.toml", argc, argv).value();
//   cfg.apply_log_level();
//   actor_system sys{cfg.system};
//   auto batch = cfg.get<std::int64_t>("app.batch"); // a key the application declared
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <ringactor/actor_system_config.hpp>
#include <ringactor/gpu/kernel_config.hpp>
#include <ringactor/k2k/broker.hpp>
#include <ringactor/logger.hpp>
#include <ringactor/supervision/strategy.hpp>

#include "ringactor/telemetry/config_value.hpp"
#include "ringactor/telemetry/pool_spec.hpp"

namespace ringactor::telemetry {

/// Which source set a key: precedence runs command line > environment >
/// file > default.
enum class config_origin { default_value, file, environment, command_line };

/// "default", "file", "environment" or "command line".
std::string_view to_string(config_origin x) noexcept;

/// One key's value and where it came from.
struct config_entry {
  config_value value;
  config_origin origin = config_origin::default_value;
  /// The file path, "environment variable ..." or "command line --..."; empty
  /// for a default.
  std::string source;
  std::uint32_t line = 0;
  std::uint32_t column = 0;
};

class config {
public:
  // -- the runtime's settings (built from the keys) ---------------------------

  /// [system]
  actor_system_config system;
  /// system.log_level; empty when no source sets it (RINGACTOR_LOG rules).
  std::optional<ringactor::log_level> log_level;
  /// [kernel]: what spawn_kernel takes when a kernel_config is not given
  /// (the name, snapshots and CPU grid emulation stay the struct's defaults).
  kernel_config kernel_defaults;
  /// [supervision]: the strategy with its restart intensity.
  supervision::strategy supervision_defaults = supervision::one_for_one{};
  /// [brokers.<name>]: one broker_config per name (the name is its `name`).
  std::map<std::string, k2k::broker_config, std::less<>> brokers;
  /// [pools.<name>], in name order.
  std::vector<pool_spec> pools;

  // -- every key --------------------------------------------------------------

  /// The value of `path` as T (bool, std::int64_t, double, std::string or
  /// duration). Throws std::out_of_range when no source and no default set
  /// it, std::invalid_argument when the key has another type.
  template <class T>
  T get(std::string_view path) const {
    const auto& e = entry(path);
    if (auto ptr = std::get_if<T>(&e.value))
      return *ptr;
    throw std::invalid_argument(type_mismatch(path, config_type_of<T>::value));
  }

  /// The entry of `path`, or null if no source and no default set it.
  const config_entry* find(std::string_view path) const noexcept;

  /// The entry of `path`; throws std::out_of_range if there is none.
  const config_entry& entry(std::string_view path) const;

  /// Which source set `path` (throws std::out_of_range if none did).
  config_origin origin(std::string_view path) const { return entry(path).origin; }

  const std::map<std::string, config_entry, std::less<>>& entries() const noexcept {
    return entries_;
  }

  /// set_log_level(*log_level) when a source set system.log_level.
  void apply_log_level() const;

  /// Builds the runtime's settings from `entries`, which the loader
  /// validated. `instances` names the tables of `*` keys that exist even
  /// when they set no key ("brokers.main" for an empty [brokers.main]).
  static config from_entries(std::map<std::string, config_entry, std::less<>> entries,
                             const std::vector<std::string>& instances = {});

private:
  std::string type_mismatch(std::string_view path, config_type wanted) const;

  std::map<std::string, config_entry, std::less<>> entries_;
};

} // namespace ringactor::telemetry
