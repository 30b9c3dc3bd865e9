// spawn_flat: one actor spawns N actors in a single handler and sends each one
// message; each answers and quits. Reports the cost per actor for each N, which
// stays flat for a scheduler whose spawn cost does not grow with N.
//
// CAF 0.17 is measured as written, pathology included: an actor spawned from
// inside an actor goes to the front of the spawning worker's queue, and the
// other worker steals from its back with double_ended_queue::take_tail, which
// holds both locks of that singly linked queue while walking it from the head
// to find the new tail. Each steal costs O(queue length) and stalls the
// spawner's own pushes meanwhile, so the cost per actor grows with N, and it
// varies widely between runs with how often the thief gets in.
#include <chrono>

#include <fmt/format.h>

#include "caf_support.hpp"

using namespace caf;

namespace caf_bench {

namespace {

behavior flat_leaf(event_based_actor* self) {
  return {
    [=](ping_atom) {
      self->quit();
      return pong_atom::value;
    },
  };
}

struct spawner_state {
  std::uint64_t expected = 0;
  std::uint64_t answered = 0;
  response_promise done;
  static inline const char* name = "spawner";
};

behavior spawner(stateful_actor<spawner_state>* self) {
  return {
    [=](spawn_atom, std::uint64_t n) {
      self->state.expected = n;
      self->state.answered = 0;
      self->state.done = self->make_response_promise();
      for (std::uint64_t i = 0; i < n; ++i)
        self->send(self->spawn(flat_leaf), ping_atom::value);
      return self->state.done;
    },
    [=](pong_atom) {
      if (++self->state.answered == self->state.expected)
        self->state.done.deliver(self->state.answered);
    },
  };
}

} // namespace

int spawn_flat(const bench::options& opts, bench::reporter& out) {
  auto counts = bench::sizes_for(opts.scale, opts.large).spawn_flat_counts;
  actor_system_config cfg;
  configure(cfg, opts);
  actor_system sys{cfg};
  scoped_actor self{sys};
  int status = 0;
  double first_cost = 0;
  std::uint64_t total = 0;
  for (auto n : counts) {
    auto parent = sys.spawn(spawner);
    std::uint64_t answered = 0;
    auto start = std::chrono::steady_clock::now();
    self->request(parent, infinite, spawn_atom::value, n)
      .receive([&](std::uint64_t count) { answered = count; },
               [&](error& err) { fmt::print(stderr, "caf spawn_flat: {}\n", to_string(err)); });
    std::chrono::duration<double, std::nano> elapsed = std::chrono::steady_clock::now() - start;
    auto cost = elapsed.count() / static_cast<double>(n);
    total += answered;
    out.emit("spawn_flat", fmt::format("ns_per_actor_{}", n), cost, "ns");
    // How much dearer one actor is at this N than at the smallest N; printed per
    // size so that a run stopped at the largest N still shows the trend.
    if (n == counts.front())
      first_cost = cost;
    else
      out.emit("spawn_flat", fmt::format("growth_{}_over_{}", n, counts.front()), cost / first_cost,
               "x");
    status |= check_count("spawn_flat", n, answered);
    anon_send_exit(parent, exit_reason::user_shutdown);
  }
  out.emit("spawn_flat", "count", static_cast<double>(total), "actors");
  return status;
}

} // namespace caf_bench
