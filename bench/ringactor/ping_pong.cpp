// ping_pong: two actors bounce a counter N times (N round trips, 2N messages).
#include <chrono>

#include "ringactor_support.hpp"

using namespace ringactor;

namespace ringactor_bench {

namespace {

struct ping {
  std::uint64_t left;
};
struct pong {
  std::uint64_t left;
};
struct done {
  std::uint64_t round_trips;
};

behavior ponger(event_based_actor*) {
  return {
    // Returning a value answers the sender, request or not.
    [](ping p) { return pong{p.left}; },
  };
}

struct ping_state {
  std::uint64_t round_trips = 0;
};

behavior pinger(stateful_actor<ping_state>* self, actor partner, std::uint64_t round_trips,
                actor done_to) {
  self->send(partner, ping{round_trips});
  return {
    [=](pong p) {
      ++self->state.round_trips;
      if (p.left > 1) {
        self->send(partner, ping{p.left - 1});
        return;
      }
      self->send(done_to, done{self->state.round_trips});
      self->quit();
    },
  };
}

} // namespace

int ping_pong(const bench::options& opts, bench::reporter& out) {
  auto n = bench::sizes_for(opts.scale, opts.large).ping_pong_round_trips;
  actor_system sys{make_config(opts)};
  scoped_actor self{sys};
  std::uint64_t received = 0;
  auto start = std::chrono::steady_clock::now();
  sys.spawn(pinger, sys.spawn(ponger), n, self.as_actor());
  self->receive([&](done d) { received = d.round_trips; });
  std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  out.emit("ping_pong", "round_trips_per_s", static_cast<double>(n) / elapsed.count(), "1/s");
  out.emit("ping_pong", "total_ms", elapsed.count() * 1e3, "ms");
  out.emit("ping_pong", "count", static_cast<double>(received), "round_trips");
  return check_count("ping_pong", n, received);
}

} // namespace ringactor_bench
