// What every CAF 0.17 workload shares: the atoms that tag messages, the
// scheduler configuration, and the workload entry points main.cpp dispatches to.
#pragma once

#include <caf/all.hpp>

#include "options.hpp"
#include "process_stats.hpp"
#include "report.hpp"

namespace caf_bench {

// -- message tags (CAF 0.17 atoms: at most ten characters) --------------------

using ping_atom = caf::atom_constant<caf::atom("ping")>;
using pong_atom = caf::atom_constant<caf::atom("pong")>;
using done_atom = caf::atom_constant<caf::atom("done")>;
using spread_atom = caf::atom_constant<caf::atom("spread")>;
using result_atom = caf::atom_constant<caf::atom("result")>;
using spawn_atom = caf::atom_constant<caf::atom("spawn")>;
using msg_atom = caf::atom_constant<caf::atom("msg")>;
using token_atom = caf::atom_constant<caf::atom("token")>;
using calc_atom = caf::atom_constant<caf::atom("calc")>;

// -- configuration -------------------------------------------------------------

/// Sets CAF's scheduler to exactly `opts.workers` threads. The config must
/// outlive the actor_system built from it, so it is filled in place.
void configure(caf::actor_system_config& cfg, const bench::options& opts);

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

/// Prints "caf WORKLOAD: expected E, got G" to stderr and returns 1 when they
/// differ, 0 otherwise.
int check_count(std::string_view workload, std::uint64_t expected, std::uint64_t got);

} // namespace caf_bench
