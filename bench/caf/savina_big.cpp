// savina_big (Savina "big"): W actors; each sends P pings, one at a time, to
// peers picked at random, and answers every ping it gets with a pong. An actor
// whose P-th pong came back reports to the sink.
#include <chrono>

#include "caf_support.hpp"

using namespace caf;

namespace caf_bench {

namespace {

struct big_state {
  std::vector<actor> peers;
  std::uint64_t pongs = 0;
  std::uint64_t rng = 0;
  static inline const char* name = "big";
};

std::uint32_t pick(big_state& st) {
  st.rng = st.rng * 6364136223846793005ull + 1442695040888963407ull;
  return static_cast<std::uint32_t>((st.rng >> 33) % st.peers.size());
}

behavior big_actor(stateful_actor<big_state>* self, std::uint32_t index, std::uint64_t pings,
                   actor sink) {
  self->state.rng = index + 1;
  return {
    [=](spawn_atom, const std::vector<actor>& all) {
      self->state.peers = all;
      self->send(self->state.peers[pick(self->state)], ping_atom::value, index);
    },
    // Answers the sender: a ping may arrive before this actor got its peers.
    [](ping_atom, std::uint32_t) { return pong_atom::value; },
    [=](pong_atom) {
      auto& st = self->state;
      if (++st.pongs == pings) {
        self->send(sink, done_atom::value, st.pongs);
        return;
      }
      self->send(st.peers[pick(st)], ping_atom::value, index);
    },
  };
}

} // namespace

int savina_big(const bench::options& opts, bench::reporter& out) {
  auto sizes = bench::sizes_for(opts.scale, opts.large);
  actor_system_config cfg;
  configure(cfg, opts);
  actor_system sys{cfg};
  scoped_actor self{sys};
  std::vector<actor> actors;
  auto start = std::chrono::steady_clock::now();
  for (std::uint64_t i = 0; i < sizes.savina_big_actors; ++i)
    actors.push_back(sys.spawn(big_actor, static_cast<std::uint32_t>(i), sizes.savina_big_pings,
                               actor{self}));
  for (auto& a : actors)
    self->send(a, spawn_atom::value, actors);
  std::uint64_t pongs = 0;
  for (std::uint64_t i = 0; i < sizes.savina_big_actors; ++i)
    self->receive([&](done_atom, std::uint64_t n) { pongs += n; });
  std::chrono::duration<double, std::milli> elapsed = std::chrono::steady_clock::now() - start;
  // Every actor holds the others: break the cycle.
  for (auto& a : actors)
    self->send_exit(a, exit_reason::user_shutdown);
  out.emit_time_and_peak_rss("savina_big", elapsed.count());
  return check_count("savina_big", sizes.savina_big_actors * sizes.savina_big_pings, pongs);
}

} // namespace caf_bench
