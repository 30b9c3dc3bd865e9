// ringactor telemetry: the runtime's own configuration keys ([system],
// [kernel], [supervision], [brokers.<name>], [pools.<name>]). An
// application starts from this schema and declares its own keys beside them.
#pragma once

#include "ringactor/telemetry/config_schema.hpp"

namespace ringactor::telemetry {

/// A schema with every key the runtime reads (see the README's key list,
/// which is generated from it).
config_schema runtime_schema();

} // namespace ringactor::telemetry
