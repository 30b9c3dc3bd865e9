// savina_counting (Savina "count"): one producer sends N increments to one
// counter, then asks for the total and reports it.
#include <chrono>

#include "caf_support.hpp"

using namespace caf;

namespace caf_bench {

namespace {

struct counter_state {
  std::uint64_t value = 0;
  static inline const char* name = "counter";
};

behavior counter(stateful_actor<counter_state>* self) {
  return {
    [=](msg_atom) { ++self->state.value; },
    [=](result_atom) { return std::make_tuple(done_atom::value, self->state.value); },
  };
}

behavior producer(event_based_actor* self, actor target, std::uint64_t messages, actor done_to) {
  return {
    [=](spawn_atom) {
      for (std::uint64_t i = 0; i < messages; ++i)
        self->send(target, msg_atom::value);
      self->send(target, result_atom::value);
    },
    [=](done_atom, std::uint64_t total) {
      self->send(done_to, done_atom::value, total);
      self->quit();
    },
  };
}

} // namespace

int savina_counting(const bench::options& opts, bench::reporter& out) {
  auto n = bench::sizes_for(opts.scale, opts.large).savina_counting_messages;
  actor_system_config cfg;
  configure(cfg, opts);
  actor_system sys{cfg};
  scoped_actor self{sys};
  auto target = sys.spawn(counter);
  auto source = sys.spawn(producer, target, n, actor{self});
  std::uint64_t counted = 0;
  auto start = std::chrono::steady_clock::now();
  self->send(source, spawn_atom::value);
  self->receive([&](done_atom, std::uint64_t total) { counted = total; });
  std::chrono::duration<double, std::milli> elapsed = std::chrono::steady_clock::now() - start;
  out.emit_time_and_peak_rss("savina_counting", elapsed.count());
  return check_count("savina_counting", n, counted);
}

} // namespace caf_bench
