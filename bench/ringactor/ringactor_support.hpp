// What every ringactor workload shares: the system configuration and the
// workload entry points main.cpp dispatches to. The message types live in the
// workload files: each is a small struct (one handler argument, no atoms).
#pragma once

#include <cstdint>
#include <string_view>

#include <ringactor/all.hpp>

#include "options.hpp"
#include "process_stats.hpp"
#include "report.hpp"

namespace ringactor_bench {

// -- configuration -------------------------------------------------------------

/// An actor system with exactly `opts.workers` scheduler threads; everything
/// else stays at ringactor's defaults.
ringactor::actor_system_config make_config(const bench::options& opts);

// -- workloads: each returns 0 when its counts check out, 1 otherwise ----------

int ping_pong(const bench::options& opts, bench::reporter& out);
int spawn_tree(const bench::options& opts, bench::reporter& out);
int spawn_flat(const bench::options& opts, bench::reporter& out);
int mailbox(const bench::options& opts, bench::reporter& out);
int mixed_case(const bench::options& opts, bench::reporter& out);
int request_latency(const bench::options& opts, bench::reporter& out);
int idle_cpu(const bench::options& opts, bench::reporter& out);
int memory_per_actor(const bench::options& opts, bench::reporter& out);
// Savina (Imam and Sarkar, AGERE 2014): figures time_ms and rss_peak_mib.
int savina_thread_ring(const bench::options& opts, bench::reporter& out);
int savina_counting(const bench::options& opts, bench::reporter& out);
int savina_fork_join(const bench::options& opts, bench::reporter& out);
int savina_chameneos(const bench::options& opts, bench::reporter& out);
int savina_big(const bench::options& opts, bench::reporter& out);
int savina_fib(const bench::options& opts, bench::reporter& out);

/// Prints "ringactor WORKLOAD: expected E, got G" to stderr and returns 1 when
/// they differ, 0 otherwise.
int check_count(std::string_view workload, std::uint64_t expected, std::uint64_t got);

} // namespace ringactor_bench
