// spawn_flat: one actor spawns N actors in a single handler and sends each one
// message; each answers and quits. Reports the cost per actor for each N, which
// stays flat for a scheduler whose spawn cost does not grow with N.
//
// An actor woken from a worker goes to that worker's runnext slot and pushes
// the previous one to the back of the worker's queue; the other worker steals
// from the front of that queue in O(1) (DESIGN.md, "libactor").
#include <chrono>

#include <fmt/format.h>

#include "ringactor_support.hpp"

using namespace ringactor;

namespace ringactor_bench {

namespace {

struct spawn_leaves {
  std::uint64_t count;
};
struct ping {};
struct pong {};

behavior flat_leaf(event_based_actor* self) {
  return {
    [=](ping) {
      self->quit();
      return pong{};
    },
  };
}

struct spawner_state {
  std::uint64_t expected = 0;
  std::uint64_t answered = 0;
  typed_response_promise<std::uint64_t> done;
};

behavior spawner(stateful_actor<spawner_state>* self) {
  return {
    [=](spawn_leaves m) {
      self->state.expected = m.count;
      self->state.answered = 0;
      self->state.done = self->make_response_promise<std::uint64_t>();
      for (std::uint64_t i = 0; i < m.count; ++i)
        self->send(self->spawn(flat_leaf), ping{});
      return self->state.done;
    },
    [=](pong) {
      if (++self->state.answered == self->state.expected)
        self->state.done.deliver(self->state.answered);
    },
  };
}

} // namespace

int spawn_flat(const bench::options& opts, bench::reporter& out) {
  auto counts = bench::sizes_for(opts.scale, opts.large).spawn_flat_counts;
  actor_system sys{make_config(opts)};
  scoped_actor self{sys};
  int status = 0;
  double first_cost = 0;
  std::uint64_t total = 0;
  for (auto n : counts) {
    auto parent = sys.spawn(spawner);
    std::uint64_t answered = 0;
    auto start = std::chrono::steady_clock::now();
    self->request(parent, infinite, spawn_leaves{n})
      .receive([&](std::uint64_t count) { answered = count; },
               [&](const error& err) {
                 fmt::print(stderr, "ringactor spawn_flat: {}\n", to_string(err));
               });
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
    self->send_exit(parent, exit_reason::user_shutdown);
  }
  out.emit("spawn_flat", "count", static_cast<double>(total), "actors");
  return status;
}

} // namespace ringactor_bench
