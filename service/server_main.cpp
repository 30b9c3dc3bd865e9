// ringactor-server: an actor system behind the HTTP service edge, serving
// the demo's kernel pools (demo_services.hpp) that the configuration names.
//
//   ringactor-server [--config FILE] [--<key>=<value>...] [--help]
//
// Keys come from FILE (TOML), the environment (RINGACTOR_HTTP__PORT=9000)
// and the command line (--http.port=9000), in that rising order of
// precedence; --help lists every key with its default. The server prints
// "ringactor-server: listening on http://ADDRESS:PORT" once it accepts
// connections (with http.port = 0, the port it was given). SIGTERM or
// SIGINT: readiness fails, new connections are refused, requests in flight
// are answered within http.shutdown_grace, then it exits 0.
#include <fmt/format.h>

#include "demo_services.hpp"
#include "ringactor/service/server_app.hpp"
#if RINGACTOR_HAS_GRPC
#  include "ringactor/service/grpc_front.hpp"
#endif

using namespace ringactor;

int main(int argc, char** argv) {
  return service::serve(
    argc, argv, "ringactor-server",
    [](actor_system& sys, const telemetry::config& cfg, service::registry& reg) -> expected<void> {
      for (auto& spec : cfg.pools) {
        auto added = service::demo::add_demo_service(sys, cfg, spec, reg);
        if (!added)
          return added.error();
        if (!*added)
          return error{sec::invalid_argument,
                       fmt::format("pools.{}: ringactor-server serves the type 'adder' (kernel or "
                                   "actor), not '{}'",
                                   spec.name, spec.type_name)};
      }
      return {};
    },
#if RINGACTOR_HAS_GRPC
    {service::grpc_front_factory()}
#else
    {}
#endif
  );
}
