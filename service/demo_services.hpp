// ringactor-server's demo services: the adder kernel (gpu/kernels/adder.hpp)
// with wire-registered messages, served as a pool of kernels
// ([pools.x] kernel = "adder") or of host actors of the same interface
// ([pools.x] actor = "adder"). Not installed: ringactor-server and the
// service tests' server include it.
#pragma once

#include <cstdint>
#include <string>

#include <fmt/format.h>

#include <ringactor/all.hpp>
#include <ringactor/gpu/cuda_backend.hpp>
#include <ringactor/gpu/kernel_actor.hpp>
#include <ringactor/gpu/kernels/adder.hpp>
#include <ringactor/telemetry/pool_spec.hpp>
#include <ringactor/topics.hpp>
#include <ringactor/type_registry.hpp>

#include "ringactor/service/pool_backend.hpp"
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
/// was, false for a type this file does not know. Kernel pools run where
/// `kernel` (pool_kernel_config_of: the pool's backend key, else
/// [kernel] backend) says: automatic takes CUDA when this process has the
/// CUDA backend and the device exists, else the CPU backend; the service
/// reports the backend it got. An error naming the pool and the key when
/// the configuration asks for CUDA and it cannot run.
inline expected<bool>
add_demo_service(actor_system& sys, const telemetry::pool_spec& spec, registry& reg,
                 pool_kernel_config kernel = {.kernel = {.backend = kernel_backend::cpu},
                                              .backend_key = "kernel.backend"}) {
  if (spec.type_name != "adder")
    return false;
  if (spec.kind == telemetry::worker_kind::kernel) {
    auto kernel_cfg = kernel.kernel;
    auto backend = ringactor::detail::resolve_backend<kernels::adder>(kernel_cfg);
    if (backend == kernel_backend::cuda
        && (!cuda_backend_compiled() || kernel_cfg.device >= cuda_device_count()))
      return error{sec::invalid_argument,
                   fmt::format("pools.{}: {} = \"cuda\", but {}", spec.name, kernel.backend_key,
                               !cuda_backend_compiled()
                                 ? "this build has no CUDA backend"
                                 : fmt::format("there is no CUDA device {} ({} found)",
                                               kernel_cfg.device, cuda_device_count()))};
    // Restarts resolve again: after a device loss, automatic lands on the
    // CPU backend (the service keeps naming the backend it started on).
    auto pool = sys.spawn(spec.to_pool<adder_if>([kernel_cfg](actor_system& s) {
      return spawn_kernel<adder_if>(s, kernels::adder{}, kernel_cfg);
    }));
    bool cuda = backend == kernel_backend::cuda;
    reg.add<adder_if>(spec.name, pool,
                      {.backend = cuda ? "cuda" : "cpu",
                       .device = cuda ? fmt::format("cuda:{}", kernel_cfg.device)
                                      : std::string{"host threads (CPU backend)"},
                       .description = "the adder kernel: adds two numbers, keeps a total"});
  } else {
    // The host adders publish their running totals to the topic "totals"
    // when the configuration has one ([topics.totals]).
    auto totals = topics::of(sys).actor_of("totals");
    auto pool = sys.spawn(spec.to_pool<adder_if>([totals](actor_system& s) {
      return s.spawn(host_adder, totals);
    }));
    reg.add<adder_if>(spec.name, pool,
                      {.backend = "host", .device = "", .description = "the adder as host actors"});
  }
  return true;
}

/// add_demo_service with the kernel settings the configuration gives the
/// pool (its backend key, else [kernel] backend).
inline expected<bool> add_demo_service(actor_system& sys, const telemetry::config& cfg,
                                       const telemetry::pool_spec& spec, registry& reg) {
  if (spec.type_name != "adder")
    return false;
  auto kernel = pool_kernel_config_of(cfg, spec);
  if (!kernel)
    return kernel.error();
  return add_demo_service(sys, spec, reg, std::move(*kernel));
}

} // namespace ringactor::service::demo
