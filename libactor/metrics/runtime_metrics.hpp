// ringactor (private): registers the runtime's own metrics with the
// system's registry.
#pragma once

#include "ringactor/metrics/registry.hpp"

namespace ringactor::detail {

struct system_core;

/// The collector of the ringactor_system_*, ringactor_scheduler_* and
/// ringactor_requests_total families, reading `core`'s counters.
metrics::collector_handle register_runtime_metrics(system_core& core);

} // namespace ringactor::detail
