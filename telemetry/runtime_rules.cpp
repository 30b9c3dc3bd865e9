// ringactor telemetry: rules across keys.
#include "runtime_rules.hpp"

#include <set>

#include <fmt/format.h>

namespace ringactor::telemetry {

namespace {

config_error error_at(const std::string& path, const config_entry* e, std::string msg) {
  config_error err;
  err.key = path;
  err.message = std::move(msg);
  if (e) {
    err.source = e->source;
    err.line = e->line;
    err.column = e->column;
  }
  return err;
}

} // namespace

void check_runtime_rules(const std::map<std::string, config_entry, std::less<>>& entries,
                         config_errors& errors) {
  auto find = [&](const std::string& path) -> const config_entry* {
    auto i = entries.find(path);
    return i == entries.end() ? nullptr : &i->second;
  };
  // A pool names its workers' type once: kernel or actor.
  std::set<std::string> pools;
  for (const auto& [path, e] : entries)
    if (path.starts_with("pools."))
      pools.insert(path.substr(6, path.find('.', 6) - 6));
  for (const auto& name : pools) {
    auto kernel = find("pools." + name + ".kernel");
    auto actor = find("pools." + name + ".actor");
    if (kernel && actor) {
      errors.push_back(error_at("pools." + name + ".actor", actor,
                                fmt::format("expected either pools.{0}.kernel or pools.{0}.actor, "
                                            "found both",
                                            name)));
    } else if (!kernel && !actor) {
      // Point at the first key the pool sets that a source wrote.
      const config_entry* where = nullptr;
      std::string where_path = "pools." + name;
      for (const auto& [path, e] : entries)
        if (path.starts_with(where_path + ".") && e.origin != config_origin::default_value) {
          where = &e;
          break;
        }
      errors.push_back(error_at(where_path, where,
                                fmt::format("expected pools.{0}.kernel or pools.{0}.actor (the "
                                            "workers' registered type), found neither",
                                            name)));
    }
  }
  // A heartbeat that only just meets its interval must not count as stalled.
  auto hb = find("kernel.heartbeat_interval");
  auto stall = find("kernel.stall_timeout");
  if (hb && stall) {
    auto hb_value = std::get<duration>(hb->value);
    auto stall_value = std::get<duration>(stall->value);
    if (stall_value <= hb_value)
      errors.push_back(error_at("kernel.stall_timeout", stall,
                                fmt::format("expected a duration longer than "
                                            "kernel.heartbeat_interval ({}), found {}",
                                            format_value(hb->value), format_value(stall->value))));
  }
}

} // namespace ringactor::telemetry
