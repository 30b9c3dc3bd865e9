// ringactor (private): checks of metric and label names, shared by the
// registry (which throws) and the collectors' sink (which reports).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ringactor/metrics/snapshot.hpp"

namespace ringactor::metrics::detail {

/// Why a family with these properties cannot exist; empty if it can.
std::string invalid_family(std::string_view name, metric_type type,
                           std::span<const std::string> label_names,
                           std::span<const double> bounds);

} // namespace ringactor::metrics::detail
