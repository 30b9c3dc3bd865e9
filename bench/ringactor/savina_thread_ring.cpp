// savina_thread_ring (Savina "threadring"): a token passed `hops` times around a
// ring of actors; the actor that receives it with no hops left reports.
#include <chrono>

#include "ringactor_support.hpp"

using namespace ringactor;

namespace ringactor_bench {

namespace {

struct ring_next {
  actor next;
};
struct ring_token {
  std::uint64_t left;
};
struct ring_done {
  std::uint64_t hops;
};

struct ring_member_state {
  actor next;
  std::uint64_t passed = 0;
};

behavior ring_member(stateful_actor<ring_member_state>* self, actor done_to, std::uint64_t total) {
  return {
    [=](ring_next n) { self->state.next = std::move(n.next); },
    [=](ring_token t) {
      if (t.left == 0) {
        self->send(done_to, ring_done{total});
        return;
      }
      self->send(self->state.next, ring_token{t.left - 1});
    },
  };
}

} // namespace

int savina_thread_ring(const bench::options& opts, bench::reporter& out) {
  auto sizes = bench::sizes_for(opts.scale, opts.large);
  actor_system sys{make_config(opts)};
  scoped_actor self{sys};
  std::vector<actor> ring;
  for (std::uint64_t i = 0; i < sizes.savina_ring_actors; ++i)
    ring.push_back(sys.spawn(ring_member, self.as_actor(), sizes.savina_ring_hops));
  for (std::size_t i = 0; i < ring.size(); ++i)
    self->send(ring[i], ring_next{ring[(i + 1) % ring.size()]});
  std::uint64_t hops = 0;
  auto before = sys.stats();
  auto start = std::chrono::steady_clock::now();
  self->send(ring[0], ring_token{sizes.savina_ring_hops});
  self->receive([&](ring_done d) { hops = d.hops; });
  std::chrono::duration<double, std::milli> elapsed = std::chrono::steady_clock::now() - start;
  auto after = sys.stats();
  for (auto& member : ring)
    self->send_exit(member, exit_reason::user_shutdown);
  out.emit_time_and_peak_rss("savina_thread_ring", elapsed.count());
  // How often the token's hops woke a parked worker: a chain that one
  // worker runs well signals the idle one far less than once per park
  // (issue 18, finding 3). ringactor only: CAF does not count its wake-ups.
  auto parks = after.parks - before.parks;
  auto wakeups = after.wakeups - before.wakeups;
  out.emit("savina_thread_ring", "wakeups_per_park",
           parks == 0 ? 0.0 : static_cast<double>(wakeups) / static_cast<double>(parks), "ratio");
  return check_count("savina_thread_ring", sizes.savina_ring_hops, hops);
}

} // namespace ringactor_bench
