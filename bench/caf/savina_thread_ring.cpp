// savina_thread_ring (Savina "threadring"): a token passed `hops` times around a
// ring of actors; the actor that receives it with no hops left reports.
#include <chrono>

#include "caf_support.hpp"

using namespace caf;

namespace caf_bench {

namespace {

struct ring_member_state {
  actor next;
  static inline const char* name = "ring_member";
};

behavior ring_member(stateful_actor<ring_member_state>* self, actor done_to, std::uint64_t total) {
  return {
    [=](spawn_atom, actor next) { self->state.next = std::move(next); },
    [=](token_atom, std::uint64_t left) {
      if (left == 0) {
        self->send(done_to, done_atom::value, total);
        return;
      }
      self->send(self->state.next, token_atom::value, left - 1);
    },
  };
}

} // namespace

int savina_thread_ring(const bench::options& opts, bench::reporter& out) {
  auto sizes = bench::sizes_for(opts.scale, opts.large);
  actor_system_config cfg;
  configure(cfg, opts);
  actor_system sys{cfg};
  scoped_actor self{sys};
  std::vector<actor> ring;
  for (std::uint64_t i = 0; i < sizes.savina_ring_actors; ++i)
    ring.push_back(sys.spawn(ring_member, actor{self}, sizes.savina_ring_hops));
  for (std::size_t i = 0; i < ring.size(); ++i)
    self->send(ring[i], spawn_atom::value, ring[(i + 1) % ring.size()]);
  std::uint64_t hops = 0;
  auto start = std::chrono::steady_clock::now();
  self->send(ring[0], token_atom::value, sizes.savina_ring_hops);
  self->receive([&](done_atom, std::uint64_t n) { hops = n; });
  std::chrono::duration<double, std::milli> elapsed = std::chrono::steady_clock::now() - start;
  for (auto& member : ring)
    self->send_exit(member, exit_reason::user_shutdown);
  out.emit_time_and_peak_rss("savina_thread_ring", elapsed.count());
  return check_count("savina_thread_ring", sizes.savina_ring_hops, hops);
}

} // namespace caf_bench
