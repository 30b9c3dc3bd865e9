// ringactor service: where a kernel pool runs. A pool's table may name its
// own backend; without it the pool takes [kernel] backend:
//
//   [kernel]
//   backend = "automatic"     # every kernel pool that names none
//   [pools.scorer]
//   kernel = "scorer"
//   backend = "cpu"           # this pool: cpu | cuda | automatic
//
// An application's setup (server_app.hpp) spawns a kernel pool's workers
// with the kernel settings pool_kernel_config_of returns:
//
//   auto k = service::pool_kernel_config_of(cfg, spec);
//   if (!k)
//     return k.error();
//   auto pool = sys.spawn(spec.to_pool<scorer_if>([kc = k->kernel](actor_system& s) {
//     return spawn_kernel<scorer_if>(s, scorer{}, kc);
//   }));
//
// serve() checks every pool with it before the setup runs, so a host-actor
// pool that names a backend stops the server (exit 2) naming the key.
#pragma once

#include <string>

#include <ringactor/expected.hpp>
#include <ringactor/gpu/kernel_config.hpp>
#include <ringactor/telemetry/config.hpp>
#include <ringactor/telemetry/config_schema.hpp>
#include <ringactor/telemetry/pool_spec.hpp>

namespace ringactor::service {

/// A kernel pool's kernel settings and the key that chose its backend.
struct pool_kernel_config {
  /// The configuration's [kernel] settings (kernel_defaults) with the
  /// pool's own backend when its table names one.
  kernel_config kernel;
  /// "pools.NAME.backend" when the pool named its backend, else
  /// "kernel.backend": what an error about the backend names.
  std::string backend_key;
};

/// Declares pools.*.backend in `schema` (server_schema() does).
void declare_pool_backend_key(telemetry::config_schema& schema);

/// The kernel settings of pool `spec` (above). An error naming
/// pools.NAME.backend when a host-actor pool (actor = ...) names a backend:
/// its workers run on the scheduler's threads, nowhere else.
expected<pool_kernel_config> pool_kernel_config_of(const telemetry::config& cfg,
                                                   const telemetry::pool_spec& spec);

} // namespace ringactor::service
