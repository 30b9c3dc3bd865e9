// ping_pong: two actors bounce a counter N times (N round trips, 2N messages).
#include <chrono>

#include "caf_support.hpp"

using namespace caf;

namespace caf_bench {

namespace {

behavior pong(event_based_actor*) {
  return {
    [](ping_atom, std::uint64_t left) {
      // Returning a value answers the sender, request or not.
      return std::make_tuple(pong_atom::value, left);
    },
  };
}

struct ping_state {
  std::uint64_t round_trips = 0;
  static inline const char* name = "ping";
};

behavior ping(stateful_actor<ping_state>* self, actor partner, std::uint64_t round_trips,
              actor done_to) {
  self->send(partner, ping_atom::value, round_trips);
  return {
    [=](pong_atom, std::uint64_t left) {
      ++self->state.round_trips;
      if (left > 1) {
        self->send(partner, ping_atom::value, left - 1);
        return;
      }
      self->send(done_to, done_atom::value, self->state.round_trips);
      self->quit();
    },
  };
}

} // namespace

int ping_pong(const bench::options& opts, bench::reporter& out) {
  auto n = bench::sizes_for(opts.scale, opts.large).ping_pong_round_trips;
  actor_system_config cfg;
  configure(cfg, opts);
  actor_system sys{cfg};
  scoped_actor self{sys};
  std::uint64_t received = 0;
  auto start = std::chrono::steady_clock::now();
  sys.spawn(ping, sys.spawn(pong), n, actor{self});
  self->receive([&](done_atom, std::uint64_t round_trips) { received = round_trips; });
  std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  out.emit("ping_pong", "round_trips_per_s", static_cast<double>(n) / elapsed.count(), "1/s");
  out.emit("ping_pong", "total_ms", elapsed.count() * 1e3, "ms");
  out.emit("ping_pong", "count", static_cast<double>(received), "round_trips");
  return check_count("ping_pong", n, received);
}

} // namespace caf_bench
