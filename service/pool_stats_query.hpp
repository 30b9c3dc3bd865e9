// ringactor service (internal, not installed): asking pools for their
// statistics, as the REST routes (GET /kernels, GET /kernels/{id}) and the
// gRPC front (ListKernels, GetKernel) both do.
#pragma once

#include <chrono>
#include <functional>
#include <vector>

#include <ringactor/actor_system.hpp>
#include <ringactor/supervision/pool_stats.hpp>

namespace ringactor::service::detail {

/// Asks each of `pools` for its statistics (by an actor; each answer or
/// error within `timeout`) and calls `done` with them, in order, on that
/// actor's thread (at once, with none, when `pools` is empty).
void gather_stats(actor_system& sys, std::vector<actor> pools, std::chrono::milliseconds timeout,
                  std::function<void(std::vector<expected<supervision::pool_stats>>)> done);

} // namespace ringactor::service::detail
