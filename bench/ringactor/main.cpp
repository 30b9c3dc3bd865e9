// ringactor_bench: ringactor's side of every workload in DESIGN.md
// ("Benchmarks"), with the same command line, sizes and JSON output as
// caf_bench.
// Usage: ringactor_bench WORKLOAD [--quick | --tiny] [--workers N] [--large]
#include <array>
#include <cstdio>
#include <exception>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "ringactor_support.hpp"

namespace {

using workload_fn = int (*)(const bench::options&, bench::reporter&);

constexpr std::array<std::pair<std::string_view, workload_fn>, 14> workloads{{
  {"ping_pong", ringactor_bench::ping_pong},
  {"spawn_tree", ringactor_bench::spawn_tree},
  {"spawn_flat", ringactor_bench::spawn_flat},
  {"mailbox", ringactor_bench::mailbox},
  {"mixed_case", ringactor_bench::mixed_case},
  {"request_latency", ringactor_bench::request_latency},
  {"idle_cpu", ringactor_bench::idle_cpu},
  {"memory_per_actor", ringactor_bench::memory_per_actor},
  {"savina_thread_ring", ringactor_bench::savina_thread_ring},
  {"savina_counting", ringactor_bench::savina_counting},
  {"savina_fork_join", ringactor_bench::savina_fork_join},
  {"savina_chameneos", ringactor_bench::savina_chameneos},
  {"savina_big", ringactor_bench::savina_big},
  {"savina_fib", ringactor_bench::savina_fib},
}};

} // namespace

namespace ringactor_bench {

ringactor::actor_system_config make_config(const bench::options& opts) {
  return ringactor::actor_system_config{}.set_workers(opts.workers);
}

int check_count(std::string_view workload, std::uint64_t expected, std::uint64_t got) {
  if (expected == got)
    return 0;
  fmt::print(stderr, "ringactor {}: expected {}, got {}\n", workload, expected, got);
  return 1;
}

} // namespace ringactor_bench

int main(int argc, char** argv) {
  std::array<std::string_view, workloads.size()> names;
  for (std::size_t i = 0; i < workloads.size(); ++i)
    names[i] = workloads[i].first;
  bench::options opts;
  try {
    opts = bench::parse_options(argc, argv, names);
  } catch (const std::exception& e) {
    fmt::print(stderr, "ringactor_bench: {}\n{}", e.what(), bench::usage("ringactor_bench", names));
    return 2;
  }
  if (opts.detached_factorizer)
    fmt::print(stderr, "ringactor_bench: --detached-factorizer applies to CAF only "
                       "(ringactor has no detached actors); ignored\n");
  bench::reporter out{opts.label.empty() ? std::string_view{"ringactor"}
                                         : std::string_view{opts.label},
                      opts.workers};
  for (auto& [name, run] : workloads)
    if (name == opts.workload)
      return run(opts, out);
  return 2; // unreachable: parse_options rejects unknown workloads
}
