// examples/service: an application that serves its own kernel over HTTP,
// built from the ringactor-service library the way ringactor-server is.
//
//   build/examples/service/quote_server --config examples/service/quote_server.toml
//   curl -s -X POST -d '{"quantity":120,"unit_cents":250}' 127.0.0.1:8081/kernels/quotes/quotes.request
//   {"request_id":"1","kernel_id":"quotes","output":{"total_cents":27000,
//    "discount_percent":10,"serial":1},"metadata":{...}}
//
// What it takes: the messages get a JSON form (inspect) and a stable name
// (RINGACTOR_TYPE); the pools the configuration names get a worker factory;
// service::serve does the rest (flags, config, /kernels, /execute, health,
// metrics, SIGTERM).
#include <fmt/format.h>

#include <ringactor/all.hpp>
#include <ringactor/gpu/kernel_actor.hpp>
#include <ringactor/service/server_app.hpp>
#include <ringactor/telemetry/pool_spec.hpp>
#include <ringactor/type_registry.hpp>

#include "quote_kernel.hpp"

namespace quotes {

template <class Inspector>
bool inspect(Inspector& f, quote_request& x) {
  return f.object(x).fields(f.field("quantity", x.quantity), f.field("unit_cents", x.unit_cents));
}
RINGACTOR_TYPE(quote_request, "quotes.request")

template <class Inspector>
bool inspect(Inspector& f, quote& x) {
  return f.object(x).fields(f.field("total_cents", x.total_cents),
                            f.field("discount_percent", x.discount_percent),
                            f.field("serial", x.serial));
}
RINGACTOR_TYPE(quote, "quotes.quote")

/// The interface clients see: the kernel and any host actor alike.
using quoter = ringactor::typed_actor<ringactor::result<quote>(quote_request)>;

} // namespace quotes

using namespace ringactor;

int main(int argc, char** argv) {
  return service::serve(
    argc, argv, "quote_server",
    [](actor_system& sys, const telemetry::config& cfg, service::registry& reg) -> expected<void> {
      for (auto& spec : cfg.pools) {
        if (spec.type_name != "quote" || spec.kind != telemetry::worker_kind::kernel)
          return error{sec::invalid_argument,
                       fmt::format("pools.{}: this server has the kernel 'quote' only", spec.name)};
        auto pool = sys.spawn(spec.to_pool<quotes::quoter>([](actor_system& s) {
          return spawn_kernel<quotes::quoter>(s, quotes::quote_kernel{},
                                              {.backend = kernel_backend::cpu});
        }));
        reg.add<quotes::quoter>(spec.name, pool,
                                {.backend = "cpu",
                                 .device = "host threads (CPU backend)",
                                 .description = "prices an order with a volume discount"});
      }
      return {};
    });
}
