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

/// What the host adder publishes to the topic "totals" after each
/// accumulate: its new running total and what was added.
struct adder_total {
  std::int64_t total = 0;
  std::int64_t added = 0;
};

template <class Inspector>
bool inspect(Inspector& f, adder_total& x) {
  return f.object(x).fields(f.field("total", x.total), f.field("added", x.added));
}
RINGACTOR_TYPE(adder_total, "adder.total")

} // namespace ringactor::service::demo

namespace ringactor::service::demo {

using adder_if = typed_actor<result<std::int32_t>(kernels::add),
                             result<std::int64_t>(kernels::accumulate)>;

/// The host actor of the adder's interface. With a valid `totals` (the
/// actor of a topic), each accumulate also publishes an adder_total there.
inline adder_if::behavior_type host_adder(adder_if::stateful_pointer<std::int64_t> self,
                                          actor totals) {
  return {
    [](kernels::add m) -> std::int32_t { return m.a + m.b; },
    [self, totals](kernels::accumulate m) -> std::int64_t {
      self->state += m.value;
      if (totals)
        anon_send(totals, adder_total{self->state, m.value});
      return self->state;
    },
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
    // The host adders publish their running totals to the topic "totals"
    // when the configuration has one ([topics.totals]).
    auto totals = reg.topics().actor_of("totals");
    auto pool = sys.spawn(spec.to_pool<adder_if>([totals](actor_system& s) {
      return s.spawn(host_adder, totals);
    }));
    reg.add<adder_if>(spec.name, pool,
                      {.backend = "host", .device = "", .description = "the adder as host actors"});
  }
  return true;
}

} // namespace ringactor::service::demo
