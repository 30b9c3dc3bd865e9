// savina_big (Savina "big"): W actors; each sends P pings, one at a time, to
// peers picked at random, and answers every ping it gets with a pong. An actor
// whose P-th pong came back reports to the sink.
#include <chrono>

#include "ringactor_support.hpp"

using namespace ringactor;

namespace ringactor_bench {

namespace {

struct big_peers {
  std::vector<actor> all;
};
struct big_ping {
  std::uint32_t from;
};
struct big_pong {};
struct big_done {
  std::uint64_t pongs;
};

struct big_state {
  std::vector<actor> peers;
  std::uint64_t pongs = 0;
  std::uint64_t rng = 0;
};

std::uint32_t pick(big_state& st) {
  st.rng = st.rng * 6364136223846793005ull + 1442695040888963407ull;
  return static_cast<std::uint32_t>((st.rng >> 33) % st.peers.size());
}

behavior big_actor(stateful_actor<big_state>* self, std::uint32_t index, std::uint64_t pings,
                   actor sink) {
  self->state.rng = index + 1;
  return {
    [=](big_peers p) {
      self->state.peers = std::move(p.all);
      self->send(self->state.peers[pick(self->state)], big_ping{index});
    },
    // Answers the sender: a ping may arrive before this actor got its peers.
    [](big_ping) { return big_pong{}; },
    [=](big_pong) {
      auto& st = self->state;
      if (++st.pongs == pings) {
        self->send(sink, big_done{st.pongs});
        return;
      }
      self->send(st.peers[pick(st)], big_ping{index});
    },
  };
}

} // namespace

int savina_big(const bench::options& opts, bench::reporter& out) {
  auto sizes = bench::sizes_for(opts.scale, opts.large);
  actor_system sys{make_config(opts)};
  scoped_actor self{sys};
  std::vector<actor> actors;
  auto start = std::chrono::steady_clock::now();
  for (std::uint64_t i = 0; i < sizes.savina_big_actors; ++i)
    actors.push_back(sys.spawn(big_actor, static_cast<std::uint32_t>(i), sizes.savina_big_pings,
                               self.as_actor()));
  for (auto& a : actors)
    self->send(a, big_peers{actors});
  std::uint64_t pongs = 0;
  for (std::uint64_t i = 0; i < sizes.savina_big_actors; ++i)
    self->receive([&](big_done d) { pongs += d.pongs; });
  std::chrono::duration<double, std::milli> elapsed = std::chrono::steady_clock::now() - start;
  // Every actor holds the others: break the cycle.
  for (auto& a : actors)
    self->send_exit(a, exit_reason::user_shutdown);
  out.emit_time_and_peak_rss("savina_big", elapsed.count());
  return check_count("savina_big", sizes.savina_big_actors * sizes.savina_big_pings, pongs);
}

} // namespace ringactor_bench
