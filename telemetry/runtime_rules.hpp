// ringactor telemetry: rules of the runtime's keys that involve more than
// one key (a pool names exactly one worker type; a kernel's stall timeout is
// longer than its heartbeat interval).
#pragma once

#include <map>
#include <string>

#include "ringactor/telemetry/config.hpp"
#include "ringactor/telemetry/config_error.hpp"

namespace ringactor::telemetry {

/// Adds an error for every rule `entries` breaks, at the entry that breaks it.
void check_runtime_rules(const std::map<std::string, config_entry, std::less<>>& entries,
                         config_errors& errors);

} // namespace ringactor::telemetry
