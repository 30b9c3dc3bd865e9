// savina_fib (Savina "fib", also reported as spawn_fib): fib(n) with one actor
// per call. An actor asked for n < 2 answers n; otherwise it spawns two
// children, asks them for n - 1 and n - 2, and answers the sum. 2 fib(n + 1) - 1
// actors in all; how many are alive at once shows the order the scheduler walks
// the tree in (depth first keeps O(n) alive).
#include <atomic>
#include <chrono>

#include "caf_support.hpp"

using namespace caf;

namespace caf_bench {

namespace {

// Actors alive now and at most (relaxed: counters, read after the run).
std::atomic<std::int64_t> fib_alive{0};
std::atomic<std::int64_t> fib_alive_peak{0};
std::atomic<std::uint64_t> fib_spawned{0};

void fib_born() {
  fib_spawned.fetch_add(1, std::memory_order_relaxed);
  auto now = fib_alive.fetch_add(1, std::memory_order_relaxed) + 1;
  auto peak = fib_alive_peak.load(std::memory_order_relaxed);
  while (now > peak && !fib_alive_peak.compare_exchange_weak(peak, now, std::memory_order_relaxed))
    ;
}

struct fib_state {
  std::uint64_t first = 0;
  bool has_first = false;
  static inline const char* name = "fib";
};

behavior fib_actor(stateful_actor<fib_state>* self, actor parent) {
  fib_born();
  return {
    [=](calc_atom, std::uint32_t n) {
      if (n < 2) {
        self->send(parent, result_atom::value, std::uint64_t{n});
        fib_alive.fetch_sub(1, std::memory_order_relaxed);
        self->quit();
        return;
      }
      // lazy_init: the child is scheduled by its first message, as ringactor's.
      self->send(self->spawn<lazy_init>(fib_actor, actor_cast<actor>(self)), calc_atom::value,
                 n - 1);
      self->send(self->spawn<lazy_init>(fib_actor, actor_cast<actor>(self)), calc_atom::value,
                 n - 2);
    },
    [=](result_atom, std::uint64_t x) {
      auto& st = self->state;
      if (!st.has_first) {
        st.first = x;
        st.has_first = true;
        return;
      }
      self->send(parent, result_atom::value, st.first + x);
      fib_alive.fetch_sub(1, std::memory_order_relaxed);
      self->quit();
    },
  };
}

} // namespace

int savina_fib(const bench::options& opts, bench::reporter& out) {
  auto n = bench::sizes_for(opts.scale, opts.large).savina_fib_n;
  actor_system_config cfg;
  configure(cfg, opts);
  actor_system sys{cfg};
  scoped_actor self{sys};
  std::uint64_t value = 0;
  auto start = std::chrono::steady_clock::now();
  self->send(sys.spawn<lazy_init>(fib_actor, actor{self}), calc_atom::value, n);
  self->receive([&](result_atom, std::uint64_t x) { value = x; });
  std::chrono::duration<double, std::milli> elapsed = std::chrono::steady_clock::now() - start;
  out.emit_time_and_peak_rss("savina_fib", elapsed.count());
  out.emit("spawn_fib", "total_ms", elapsed.count(), "ms");
  out.emit("spawn_fib", "rss_peak_mib", bench::peak_resident_mib(), "MiB");
  out.emit("spawn_fib", "actors_alive_peak", static_cast<double>(fib_alive_peak.load()), "actors");
  out.emit("spawn_fib", "count", static_cast<double>(fib_spawned.load()), "actors");
  return check_count("savina_fib", bench::fib(n), value)
         | check_count("spawn_fib", 2 * bench::fib(n + 1) - 1, fib_spawned.load());
}

} // namespace caf_bench
