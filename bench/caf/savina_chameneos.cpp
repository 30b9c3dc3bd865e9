// savina_chameneos (Savina "chameneos"): creatures meet pairwise at a mall
// until the mall has arranged N meetings; then every creature that arrives is
// told to stop and reports how many meetings it took part in (2N in total).
#include <chrono>

#include "caf_support.hpp"

using namespace caf;

namespace caf_bench {

namespace {

using meet_atom = atom_constant<atom("meet")>;
using partner_atom = atom_constant<atom("partner")>;
using change_atom = atom_constant<atom("change")>;
using stop_atom = atom_constant<atom("stop")>;
using faded_atom = atom_constant<atom("faded")>;

// 0 blue, 1 red, 2 yellow.
std::uint8_t complement(std::uint8_t a, std::uint8_t b) {
  if (a == b)
    return a;
  return static_cast<std::uint8_t>(3 - a - b);
}

struct creature_state {
  std::uint8_t c = 0;
  std::uint64_t meetings = 0;
  static inline const char* name = "creature";
};

behavior creature(stateful_actor<creature_state>* self, actor mall, std::uint8_t c) {
  self->state.c = c;
  self->send(mall, meet_atom::value, actor_cast<actor>(self), c);
  return {
    [=](partner_atom, actor other, std::uint8_t other_c) {
      self->state.c = complement(self->state.c, other_c);
      ++self->state.meetings;
      self->send(other, change_atom::value, self->state.c);
      self->send(mall, meet_atom::value, actor_cast<actor>(self), self->state.c);
    },
    [=](change_atom, std::uint8_t new_c) {
      self->state.c = new_c;
      ++self->state.meetings;
      self->send(mall, meet_atom::value, actor_cast<actor>(self), self->state.c);
    },
    [=](stop_atom) {
      self->send(mall, faded_atom::value, self->state.meetings);
      self->quit();
    },
  };
}

struct mall_state {
  actor waiting;
  bool has_waiting = false;
  std::uint64_t meetings_left = 0;
  std::uint64_t faded = 0;
  std::uint64_t total = 0;
  static inline const char* name = "mall";
};

behavior mall(stateful_actor<mall_state>* self, std::uint64_t meetings, std::uint64_t creatures,
              actor done_to) {
  self->state.meetings_left = meetings;
  return {
    [=](meet_atom, actor from, std::uint8_t c) {
      auto& st = self->state;
      if (st.meetings_left == 0) {
        self->send(from, stop_atom::value);
      } else if (!st.has_waiting) {
        st.waiting = std::move(from);
        st.has_waiting = true;
      } else {
        --st.meetings_left;
        st.has_waiting = false;
        self->send(st.waiting, partner_atom::value, std::move(from), c);
      }
    },
    [=](faded_atom, std::uint64_t n) {
      self->state.total += n;
      if (++self->state.faded == creatures) {
        self->send(done_to, done_atom::value, self->state.total);
        self->quit();
      }
    },
  };
}

} // namespace

int savina_chameneos(const bench::options& opts, bench::reporter& out) {
  auto sizes = bench::sizes_for(opts.scale, opts.large);
  actor_system_config cfg;
  configure(cfg, opts);
  actor_system sys{cfg};
  scoped_actor self{sys};
  std::uint64_t total = 0;
  auto start = std::chrono::steady_clock::now();
  auto m = sys.spawn(mall, sizes.savina_chameneos_meetings, sizes.savina_chameneos_creatures,
                     actor{self});
  for (std::uint64_t i = 0; i < sizes.savina_chameneos_creatures; ++i)
    sys.spawn(creature, m, static_cast<std::uint8_t>(i % 3));
  self->receive([&](done_atom, std::uint64_t n) { total = n; });
  std::chrono::duration<double, std::milli> elapsed = std::chrono::steady_clock::now() - start;
  out.emit_time_and_peak_rss("savina_chameneos", elapsed.count());
  return check_count("savina_chameneos", 2 * sizes.savina_chameneos_meetings, total);
}

} // namespace caf_bench
