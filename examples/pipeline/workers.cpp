#include "workers.hpp"

#include "scorer_kernel.hpp"

#include <stdexcept>

#include <ringactor/gpu/kernel_actor.hpp>

namespace pipeline {

namespace {

// -- host workers ------------------------------------------------------------------------

scorer::behavior_type host_scorer(scorer::pointer, std::shared_ptr<fault_plan> plan) {
  return {[plan](order o) -> scored {
    if (plan->take()) {
      plan->fired.fetch_add(1, std::memory_order_relaxed);
      throw std::runtime_error("injected fault");
    }
    return score(o);
  }};
}

// -- kernel workers ----------------------------------------------------------------------

ringactor::kernel_config kernel_worker_config(ringactor::kernel_backend backend) {
  ringactor::kernel_config cfg;
  cfg.backend = backend;
  cfg.h2k_capacity = 256;
  cfg.k2h_capacity = 256;
  cfg.name = "scorer-kernel";
  return cfg;
}

} // namespace

ringactor::expected<backend_choice> choose_backend(const std::string& requested) {
  using namespace ringactor;
  if (requested == "host")
    return backend_choice{"host", "host actors", "host threads"};
  if (requested != "auto" && requested != "cpu" && requested != "cuda")
    return error{sec::invalid_argument, "unknown backend '" + requested + "'"};
  auto backend = requested == "cuda"  ? kernel_backend::cuda
                 : requested == "cpu" ? kernel_backend::cpu
                                      : kernel_backend::automatic;
  // Probe: spawn one kernel and ask where it runs.
  actor_system probe_sys{actor_system_config{}.set_workers(1)};
  try {
    auto k = spawn_kernel<scorer>(probe_sys, scorer_kernel{nullptr, nullptr},
                                  kernel_worker_config(backend));
    scoped_actor self{probe_sys};
    auto st = self->request(actor_cast<actor>(k), std::chrono::seconds{5}, get_kernel_stats{})
                .get<kernel_stats>();
    if (!st)
      return st.error();
    if (st->backend == kernel_backend::cuda)
      return backend_choice{"cuda", "persistent kernels (CUDA)",
                            "CUDA device " + std::to_string(kernel_worker_config(backend).device)};
    return backend_choice{"cpu", "persistent kernels (CPU backend)",
                          "no GPU used: kernels on host threads"};
  } catch (const std::exception& ex) {
    if (backend == kernel_backend::cuda)
      return error{sec::invalid_argument,
                   std::string{"--backend cuda is not usable here: "} + ex.what()};
    return error{sec::invalid_argument, ex.what()};
  }
}

scorer make_worker(ringactor::actor_system& sys, const backend_choice& backend,
                   std::shared_ptr<fault_plan> plan) {
  using namespace ringactor;
  if (backend.name == "host")
    return sys.spawn(host_scorer, std::move(plan));
  auto kind = backend.name == "cuda" ? kernel_backend::cuda : kernel_backend::cpu;
  // Injected faults need host memory the kernel can reach: CPU backend only.
  scorer_kernel k{kind == kernel_backend::cpu ? &plan->kernel_armed : nullptr,
                  kind == kernel_backend::cpu ? &plan->kernel_fired : nullptr};
  return spawn_kernel<scorer>(sys, k, kernel_worker_config(kind));
}

} // namespace pipeline
