// Problem sizes of every benchmark workload, shared by the ringactor and the CAF
// programs so that both sides always do exactly the same amount of work.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace bench {

/// How much work a run does. `full` is the definition from DESIGN.md
/// ("Benchmarks"); `quick` keeps a full comparison run under two minutes on two
/// cores; `tiny` only checks that every workload still does what it claims.
enum class scale { tiny, quick, full };

struct workload_sizes {
  // -- ping_pong ---------------------------------------------------------------
  std::uint64_t ping_pong_round_trips;

  // -- spawn_tree: a binary tree of 2^depth - 1 actors -----------------------
  std::uint32_t spawn_tree_depth;

  // -- spawn_flat: one actor spawns each of these counts in turn --------------
  std::vector<std::uint64_t> spawn_flat_counts;

  // -- mailbox: many senders, one receiver ------------------------------------
  std::uint64_t mailbox_senders;
  std::uint64_t mailbox_messages_per_sender;

  // -- mixed_case (CAF's benchmark of the same name) ---------------------------
  std::uint64_t mixed_rings;
  std::uint64_t mixed_ring_size;
  std::uint64_t mixed_initial_token;
  std::uint64_t mixed_rebuilds;

  // -- request_latency ---------------------------------------------------------
  std::uint64_t latency_requests;

  // -- idle_cpu ----------------------------------------------------------------
  double idle_seconds;

  // -- memory_per_actor --------------------------------------------------------
  std::uint64_t memory_actors;

  // -- Savina (Imam and Sarkar, AGERE 2014) -------------------------------------
  /// thread ring: a token passed `hops` times around a ring of `actors`.
  std::uint64_t savina_ring_actors = 0;
  std::uint64_t savina_ring_hops = 0;
  /// counting: one producer sends this many increments to one counter.
  std::uint64_t savina_counting_messages = 0;
  /// fork-join throughput: one driver sends `messages` to each of `workers`.
  std::uint64_t savina_fj_workers = 0;
  std::uint64_t savina_fj_messages = 0;
  /// chameneos: `creatures` meet at a mall until `meetings` took place.
  std::uint64_t savina_chameneos_creatures = 0;
  std::uint64_t savina_chameneos_meetings = 0;
  /// big: `actors` each send `pings` pings to random peers.
  std::uint64_t savina_big_actors = 0;
  std::uint64_t savina_big_pings = 0;
  /// recursive fib spawn: fib(n), one actor per call (2 fib(n + 1) - 1 actors).
  std::uint32_t savina_fib_n = 0;
};

/// fib(n) with fib(0) = 0 and fib(1) = 1, computed in a loop.
std::uint64_t fib(std::uint32_t n);

/// The factorization job of mixed_case: trial division of this semiprime.
inline constexpr std::uint64_t mixed_factor1 = 86028157;
inline constexpr std::uint64_t mixed_factor2 = 329545133;
inline constexpr std::uint64_t mixed_task = mixed_factor1 * mixed_factor2;

/// Returns the sizes for `s`; `large` switches mailbox to 100 x 1,000,000.
workload_sizes sizes_for(scale s, bool large);

/// Prime factors of `n` by trial division, smallest first (CAF's mixed_case job).
std::vector<std::uint64_t> factorize(std::uint64_t n);

} // namespace bench
