// caf_bench: CAF 0.17's side of every workload in DESIGN.md ("Benchmarks").
// Usage: caf_bench WORKLOAD [--quick | --tiny] [--workers N] [--large]
//        [--detached-factorizer]
#include <array>
#include <cstdio>
#include <exception>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "caf_support.hpp"

namespace {

using workload_fn = int (*)(const bench::options&, bench::reporter&);

constexpr std::array<std::pair<std::string_view, workload_fn>, 14> workloads{{
  {"ping_pong", caf_bench::ping_pong},
  {"spawn_tree", caf_bench::spawn_tree},
  {"spawn_flat", caf_bench::spawn_flat},
  {"mailbox", caf_bench::mailbox},
  {"mixed_case", caf_bench::mixed_case},
  {"request_latency", caf_bench::request_latency},
  {"idle_cpu", caf_bench::idle_cpu},
  {"memory_per_actor", caf_bench::memory_per_actor},
  {"savina_thread_ring", caf_bench::savina_thread_ring},
  {"savina_counting", caf_bench::savina_counting},
  {"savina_fork_join", caf_bench::savina_fork_join},
  {"savina_chameneos", caf_bench::savina_chameneos},
  {"savina_big", caf_bench::savina_big},
  {"savina_fib", caf_bench::savina_fib},
}};

} // namespace

namespace caf_bench {

void configure(caf::actor_system_config& cfg, const bench::options& opts) {
  cfg.set("scheduler.max-threads", opts.workers);
  cfg.add_message_type<std::vector<std::uint64_t>>("factors");
}

int check_count(std::string_view workload, std::uint64_t expected, std::uint64_t got) {
  if (expected == got)
    return 0;
  fmt::print(stderr, "caf {}: expected {}, got {}\n", workload, expected, got);
  return 1;
}

} // namespace caf_bench

int main(int argc, char** argv) {
  std::array<std::string_view, workloads.size()> names;
  for (std::size_t i = 0; i < workloads.size(); ++i)
    names[i] = workloads[i].first;
  bench::options opts;
  try {
    opts = bench::parse_options(argc, argv, names);
  } catch (const std::exception& e) {
    fmt::print(stderr, "caf_bench: {}\n{}", e.what(), bench::usage("caf_bench", names));
    return 2;
  }
  bench::reporter out{opts.label.empty() ? std::string_view{"caf"} : std::string_view{opts.label},
                      opts.workers};
  for (auto& [name, run] : workloads)
    if (name == opts.workload)
      return run(opts, out);
  return 2; // unreachable: parse_options rejects unknown workloads
}
