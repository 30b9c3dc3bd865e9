#include "workload_sizes.hpp"

namespace bench {

workload_sizes sizes_for(scale s, bool large) {
  workload_sizes result;
  switch (s) {
    case scale::tiny:
      result = workload_sizes{
        .ping_pong_round_trips = 1'000,
        .spawn_tree_depth = 6,
        .spawn_flat_counts = {10, 100, 1'000},
        .mailbox_senders = 4,
        .mailbox_messages_per_sender = 100,
        .mixed_rings = 2,
        .mixed_ring_size = 10,
        .mixed_initial_token = 10,
        .mixed_rebuilds = 1,
        .latency_requests = 100,
        .idle_seconds = 0.1,
        .memory_actors = 1'000,
      };
      break;
    case scale::quick:
      result = workload_sizes{
        .ping_pong_round_trips = 100'000,
        .spawn_tree_depth = 16,
        .spawn_flat_counts = {1'000, 10'000, 100'000},
        .mailbox_senders = 20,
        .mailbox_messages_per_sender = 10'000,
        .mixed_rings = 10,
        .mixed_ring_size = 100,
        .mixed_initial_token = 1'000,
        .mixed_rebuilds = 2,
        .latency_requests = 10'000,
        .idle_seconds = 2.0,
        .memory_actors = 100'000,
      };
      break;
    case scale::full:
      result = workload_sizes{
        .ping_pong_round_trips = 1'000'000,
        .spawn_tree_depth = 20,
        .spawn_flat_counts = {10'000, 100'000, 1'000'000},
        .mailbox_senders = 20,
        .mailbox_messages_per_sender = 100'000,
        .mixed_rings = 100,
        .mixed_ring_size = 100,
        .mixed_initial_token = 1'000,
        .mixed_rebuilds = 4,
        .latency_requests = 100'000,
        .idle_seconds = 2.0,
        .memory_actors = 1'000'000,
      };
      break;
  }
  switch (s) {
    case scale::tiny:
      result.savina_ring_actors = 10;
      result.savina_ring_hops = 1'000;
      result.savina_counting_messages = 1'000;
      result.savina_fj_workers = 4;
      result.savina_fj_messages = 100;
      result.savina_chameneos_creatures = 10;
      result.savina_chameneos_meetings = 100;
      result.savina_big_actors = 10;
      result.savina_big_pings = 100;
      result.savina_fib_n = 10;
      break;
    case scale::quick:
      result.savina_ring_actors = 100;
      result.savina_ring_hops = 400'000;
      result.savina_counting_messages = 500'000;
      result.savina_fj_workers = 60;
      result.savina_fj_messages = 8'000;
      result.savina_chameneos_creatures = 100;
      result.savina_chameneos_meetings = 20'000;
      result.savina_big_actors = 120;
      result.savina_big_pings = 2'000;
      result.savina_fib_n = 22;
      break;
    case scale::full:
      // The sizes issue 18 quotes: 4M hops, 5M counts, 60 x 80,000, Savina's
      // defaults for chameneos (100 x 200,000) and big (120 x 20,000), fib(27).
      result.savina_ring_actors = 100;
      result.savina_ring_hops = 4'000'000;
      result.savina_counting_messages = 5'000'000;
      result.savina_fj_workers = 60;
      result.savina_fj_messages = 80'000;
      result.savina_chameneos_creatures = 100;
      result.savina_chameneos_meetings = 200'000;
      result.savina_big_actors = 120;
      result.savina_big_pings = 20'000;
      result.savina_fib_n = 27;
      break;
  }
  if (large) {
    result.mailbox_senders = 100;
    result.mailbox_messages_per_sender = 1'000'000;
  }
  return result;
}

std::uint64_t fib(std::uint32_t n) {
  std::uint64_t a = 0;
  std::uint64_t b = 1;
  for (std::uint32_t i = 0; i < n; ++i) {
    auto next = a + b;
    a = b;
    b = next;
  }
  return a;
}

std::vector<std::uint64_t> factorize(std::uint64_t n) {
  std::vector<std::uint64_t> result;
  if (n <= 3) {
    result.push_back(n);
    return result;
  }
  std::uint64_t d = 2;
  while (d < n) {
    if (n % d == 0) {
      result.push_back(d);
      n /= d;
    } else {
      d = d == 2 ? 3 : d + 2;
    }
  }
  result.push_back(d);
  return result;
}

} // namespace bench
