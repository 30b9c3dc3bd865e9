// ringactor service: where a kernel pool runs (pool_backend.hpp).
#include "ringactor/service/pool_backend.hpp"

#include <fmt/format.h>

namespace ringactor::service {

void declare_pool_backend_key(telemetry::config_schema& s) {
  auto& k = s.declare_optional("pools.*.backend", telemetry::config_type::string, "kernel.backend",
                               "Where this kernel pool's workers run (kernel pools only).");
  k.choices = {"automatic", "cpu", "cuda"};
}

expected<pool_kernel_config> pool_kernel_config_of(const telemetry::config& cfg,
                                                   const telemetry::pool_spec& spec) {
  pool_kernel_config out{cfg.kernel_defaults, "kernel.backend"};
  auto key = fmt::format("pools.{}.backend", spec.name);
  const auto* e = cfg.find(key);
  if (e == nullptr)
    return out;
  const auto& name = std::get<std::string>(e->value);
  if (spec.kind == telemetry::worker_kind::actor)
    return error{sec::invalid_argument,
                 fmt::format("{} = \"{}\": pools.{} is a pool of host actors (actor = \"{}\"), "
                             "which run on the actor system's threads; only a kernel pool "
                             "(kernel = ...) takes a backend",
                             key, name, spec.name, spec.type_name)};
  // The loader let only the declared choices through.
  out.kernel.backend = name == "cpu"    ? kernel_backend::cpu
                       : name == "cuda" ? kernel_backend::cuda
                                        : kernel_backend::automatic;
  out.backend_key = std::move(key);
  return out;
}

} // namespace ringactor::service
