// savina_chameneos (Savina "chameneos"): creatures meet pairwise at a mall
// until the mall has arranged N meetings; then every creature that arrives is
// told to stop and reports how many meetings it took part in (2N in total).
#include <chrono>

#include "ringactor_support.hpp"

using namespace ringactor;

namespace ringactor_bench {

namespace {

enum class colour : std::uint8_t { blue, red, yellow };

colour complement(colour a, colour b) {
  if (a == b)
    return a;
  if (a != colour::blue && b != colour::blue)
    return colour::blue;
  if (a != colour::red && b != colour::red)
    return colour::red;
  return colour::yellow;
}

struct cham_meet {
  actor from;
  colour c;
};
struct cham_partner {
  actor other;
  colour c;
};
struct cham_change {
  colour c;
};
struct cham_stop {};
struct cham_faded {
  std::uint64_t meetings;
};
struct cham_total {
  std::uint64_t meetings;
};

struct creature_state {
  colour c = colour::blue;
  std::uint64_t meetings = 0;
};

behavior creature(stateful_actor<creature_state>* self, actor mall, colour c) {
  self->state.c = c;
  self->send(mall, cham_meet{actor{self->ctrl()}, c});
  return {
    [=](cham_partner p) {
      self->state.c = complement(self->state.c, p.c);
      ++self->state.meetings;
      self->send(p.other, cham_change{self->state.c});
      self->send(mall, cham_meet{actor{self->ctrl()}, self->state.c});
    },
    [=](cham_change ch) {
      self->state.c = ch.c;
      ++self->state.meetings;
      self->send(mall, cham_meet{actor{self->ctrl()}, self->state.c});
    },
    [=](cham_stop) {
      self->send(mall, cham_faded{self->state.meetings});
      self->quit();
    },
  };
}

struct mall_state {
  actor waiting;
  std::uint64_t meetings_left = 0;
  std::uint64_t faded = 0;
  std::uint64_t total = 0;
};

behavior mall(stateful_actor<mall_state>* self, std::uint64_t meetings, std::uint64_t creatures,
              actor done_to) {
  self->state.meetings_left = meetings;
  return {
    [=](cham_meet m) {
      auto& st = self->state;
      if (st.meetings_left == 0) {
        self->send(m.from, cham_stop{});
      } else if (!st.waiting) {
        st.waiting = std::move(m.from);
      } else {
        --st.meetings_left;
        self->send(st.waiting, cham_partner{std::move(m.from), m.c});
        st.waiting = actor{};
      }
    },
    [=](cham_faded f) {
      self->state.total += f.meetings;
      if (++self->state.faded == creatures) {
        self->send(done_to, cham_total{self->state.total});
        self->quit();
      }
    },
  };
}

} // namespace

int savina_chameneos(const bench::options& opts, bench::reporter& out) {
  auto sizes = bench::sizes_for(opts.scale, opts.large);
  actor_system sys{make_config(opts)};
  scoped_actor self{sys};
  std::uint64_t total = 0;
  auto start = std::chrono::steady_clock::now();
  auto m = sys.spawn(mall, sizes.savina_chameneos_meetings, sizes.savina_chameneos_creatures,
                     self.as_actor());
  for (std::uint64_t i = 0; i < sizes.savina_chameneos_creatures; ++i)
    sys.spawn(creature, m, static_cast<colour>(i % 3));
  auto before = sys.stats();
  self->receive([&](cham_total t) { total = t.meetings; });
  auto after = sys.stats();
  std::chrono::duration<double, std::milli> elapsed = std::chrono::steady_clock::now() - start;
  out.emit_time_and_peak_rss("savina_chameneos", elapsed.count());
  // Jobs the idle worker took from the busy one, per 1,000 messages: the
  // creatures all talk through the mall, so each one moved to the other
  // core puts a cache-line transfer on its messages (issue 18, finding 3).
  // ringactor only: CAF does not count its steals.
  auto messages = after.messages_processed - before.messages_processed;
  out.emit("savina_chameneos", "steals_per_1k_messages",
           messages == 0 ? 0.0
                         : 1000.0 * static_cast<double>(after.steals - before.steals)
                             / static_cast<double>(messages),
           "ratio");
  return check_count("savina_chameneos", 2 * sizes.savina_chameneos_meetings, total);
}

} // namespace ringactor_bench
