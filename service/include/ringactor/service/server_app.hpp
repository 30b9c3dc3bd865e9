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
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <ringactor/actor_system.hpp>
#include <ringactor/expected.hpp>
#include <ringactor/telemetry/config.hpp>

#include "ringactor/service/middleware.hpp"
#include "ringactor/service/registry.hpp"

namespace ringactor::service {

/// Registers an application's services (spawned from cfg.pools or not).
using service_setup = std::function<expected<void>(actor_system&, const telemetry::config&,
                                                   registry&)>;

/// A front beside the HTTP server (the gRPC one: grpc_front.hpp, in the
/// library ringactor-grpc), which serve() starts after the HTTP server and
/// stops with it.
class server_front {
public:
  virtual ~server_front() = default;
  /// Binds and serves; an error leaves it stopped (serve() returns 1).
  virtual expected<void> start() = 0;
  /// Where it listens ("grpc://127.0.0.1:50051"), printed once it serves.
  virtual std::string url() const = 0;
  /// Stops advertising itself as ready (first, on SIGTERM).
  virtual void begin_drain() = 0;
  /// Lets calls in flight finish within its grace, then stops.
  virtual void stop() = 0;
};

/// What a front is built from: the HTTP server's layer objects among them,
/// so that one limit or one rate bucket covers both fronts.
struct front_context {
  actor_system& sys;
  const telemetry::config& cfg;
  const registry& reg;
  std::shared_ptr<const std::vector<layer>> layers;
};

/// Builds a front, or returns null when the configuration does not turn it on.
using front_factory = std::function<std::unique_ptr<server_front>(const front_context&)>;

/// Runs a server (above); `name` prefixes its messages. `fronts` may add
/// fronts beside HTTP (grpc_front_factory()); without one, grpc.enabled =
/// true is a configuration error.
int serve(int argc, char** argv, std::string_view name, const service_setup& setup,
          std::vector<front_factory> fronts = {});

} // namespace ringactor::service
