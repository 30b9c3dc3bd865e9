// ringactor-server's demo services: the adder kernel (gpu/kernels/adder.hpp)
// with wire-registered messages, served as a pool of kernels
// ([pools.x] kernel = "adder") or of host actors of the same interface
// ([pools.x] actor = "adder"). Not installed: ringactor-server and the
// service tests' server include it.
#pragma once

#include <cstdint>

#include <fmt/format.h>

#include <ringactor/all.hpp>
#include <ringactor/gpu/kernel_actor.hpp>
#include <ringactor/gpu/kernels/adder.hpp>
#include <ringactor/telemetry/pool_spec.hpp>
#include <ringactor/type_registry.hpp>

#include "ringactor/service/registry.hpp"

namespace ringactor::kernels {

template <class Inspector>
bool inspect(Inspector& f, add& x) {
  return f.object(x).fields(f.field("a", x.a), f.field("b", x.b));
}
RINGACTOR_TYPE(add, "adder.add")

template <class Inspector>
bool inspect(Inspector& f, accumulate& x) {
  return f.object(x).fields(f.field("value", x.value));
}
RINGACTOR_TYPE(accumulate, "adder.accumulate")

} // namespace ringactor::kernels

namespace ringactor::service::demo {

using adder_if = typed_actor<result<std::int32_t>(kernels::add),
                             result<std::int64_t>(kernels::accumulate)>;

/// The host actor of the adder's interface.
inline adder_if::behavior_type host_adder(adder_if::stateful_pointer<std::int64_t> self) {
  return {
    [](kernels::add m) -> std::int32_t { return m.a + m.b; },
    [self](kernels::accumulate m) -> std::int64_t { return self->state += m.value; },
  };
}

/// Registers the pool `spec` describes if it is a demo type: true if it
/// was, false for a type this file does not know.
inline bool add_demo_service(actor_system& sys, const telemetry::pool_spec& spec, registry& reg) {
  if (spec.type_name != "adder")
    return false;
  if (spec.kind == telemetry::worker_kind::kernel) {
    auto pool = sys.spawn(spec.to_pool<adder_if>([](actor_system& s) {
      return spawn_kernel<adder_if>(s, kernels::adder{}, {.backend = kernel_backend::cpu});
    }));
    reg.add<adder_if>(spec.name, pool,
                      {.backend = "cpu",
                       .device = "host threads (CPU backend)",
                       .description = "the adder kernel: adds two numbers, keeps a total"});
  } else {
    auto pool = sys.spawn(spec.to_pool<adder_if>([](actor_system& s) {
      return s.spawn(host_adder);
    }));
    reg.add<adder_if>(spec.name, pool,
                      {.backend = "host", .device = "", .description = "the adder as host actors"});
  }
  return true;
}

} // namespace ringactor::service::demo
