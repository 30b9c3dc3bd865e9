// idle_cpu: an actor system with its workers started and nothing to do; reports
// the CPU time the whole process burns over the idle window (getrusage).
#include <chrono>
#include <thread>

#include "process_stats.hpp"
#include "ringactor_support.hpp"

using namespace ringactor;

namespace ringactor_bench {

int idle_cpu(const bench::options& opts, bench::reporter& out) {
  auto seconds = bench::sizes_for(opts.scale, opts.large).idle_seconds;
  actor_system sys{make_config(opts)};
  // The window opens right after construction: an idle system includes whatever
  // its workers do before they settle into waiting.
  auto cpu_before = bench::cpu_seconds();
  auto start = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  std::chrono::duration<double> wall = std::chrono::steady_clock::now() - start;
  auto cpu = bench::cpu_seconds() - cpu_before;
  out.emit("idle_cpu", "cpu_s", cpu, "s");
  out.emit("idle_cpu", "cpu_percent_of_core", 100.0 * cpu / wall.count(), "%");
  auto workers = sys.config().workers;
  out.emit("idle_cpu", "count", static_cast<double>(workers), "workers");
  return check_count("idle_cpu", opts.workers, workers);
}

} // namespace ringactor_bench
