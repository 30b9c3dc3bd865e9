// ringactor service: the main function of a server binary. ringactor-server
// is one; an application with its own kernels builds another from the
// library by saying which services its pools are:
//
//   int main(int argc, char** argv) {
//     return service::serve(argc, argv, "my-server",
//       [](actor_system& sys, const telemetry::config& cfg, service::registry& reg)
//         -> expected<void> {
//         for (auto& spec : cfg.pools)
//           if (spec.type_name == "scorer")
//             reg.add<scorer_if>(spec.name, sys.spawn(spec.to_pool<scorer_if>(make_scorer)),
//                                {.backend = "cpu"});
//         return {};
//       });
//   }
//
// serve() reads the configuration (--config FILE, RINGACTOR_* variables,
// --key=value; --help lists the keys), starts the actor system, calls
// `setup`, serves the system routes (system_routes.hpp) and the REST routes
// (rest_routes.hpp) until SIGTERM or SIGINT, then stops gracefully and
// returns 0. A configuration or setup error prints the reason and returns 2;
// a port that cannot be bound returns 1.
#pragma once

#include <functional>
#include <string_view>

#include <ringactor/actor_system.hpp>
#include <ringactor/expected.hpp>
#include <ringactor/telemetry/config.hpp>

#include "ringactor/service/registry.hpp"

namespace ringactor::service {

/// Registers an application's services (spawned from cfg.pools or not).
using service_setup = std::function<expected<void>(actor_system&, const telemetry::config&,
                                                   registry&)>;

/// Runs a server (above); `name` prefixes its messages.
int serve(int argc, char** argv, std::string_view name, const service_setup& setup);

} // namespace ringactor::service
