// memory_per_actor: N spawned actors that wait for a message that never comes;
// reports the growth of the resident set divided by N.
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "caf_support.hpp"
#include "process_stats.hpp"

using namespace caf;

namespace caf_bench {

int memory_per_actor(const bench::options& opts, bench::reporter& out) {
  auto n = bench::sizes_for(opts.scale, opts.large).memory_actors;
  actor_system_config cfg;
  configure(cfg, opts);
  actor_system sys{cfg};
  // Value-initialized so the handles' own pages are resident before the baseline.
  std::vector<actor> alive(n);
  std::atomic<std::uint64_t> started{0};
  auto idle = [&started](event_based_actor*) -> behavior {
    // Pairs with the acquire load below: this actor is fully initialized.
    started.fetch_add(1, std::memory_order_release);
    return {
      [](ping_atom) {
        // never sent
      },
    };
  };
  auto before = bench::resident_bytes();
  for (auto& handle : alive)
    handle = sys.spawn(idle);
  // Every actor runs its initialization on a worker; wait for all of them (bounded).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  while (started.load(std::memory_order_acquire) < n && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  auto after = bench::resident_bytes();
  auto grown = static_cast<double>(after) - static_cast<double>(before);
  out.emit("memory_per_actor", "bytes_per_actor", grown / static_cast<double>(n), "B");
  out.emit("memory_per_actor", "rss_delta_mb", grown / (1024.0 * 1024.0), "MiB");
  out.emit("memory_per_actor", "count", static_cast<double>(started.load()), "actors");
  auto status = check_count("memory_per_actor", n, started.load());
  alive.clear(); // unreachable actors terminate; ~actor_system waits for them
  return status;
}

} // namespace caf_bench
