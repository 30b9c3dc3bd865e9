// savina_counting (Savina "count"): one producer sends N increments to one
// counter, then asks for the total and reports it.
#include <chrono>

#include "ringactor_support.hpp"

using namespace ringactor;

namespace ringactor_bench {

namespace {

struct count_increment {};
struct count_retrieve {};
struct count_total {
  std::uint64_t value;
};
struct count_start {};

struct counter_state {
  std::uint64_t value = 0;
};

behavior counter(stateful_actor<counter_state>* self) {
  return {
    [=](count_increment) { ++self->state.value; },
    [=](count_retrieve) { return count_total{self->state.value}; },
  };
}

behavior producer(event_based_actor* self, actor target, std::uint64_t messages, actor done_to) {
  return {
    [=](count_start) {
      for (std::uint64_t i = 0; i < messages; ++i)
        self->send(target, count_increment{});
      self->send(target, count_retrieve{});
    },
    [=](count_total total) {
      self->send(done_to, total);
      self->quit();
    },
  };
}

} // namespace

int savina_counting(const bench::options& opts, bench::reporter& out) {
  auto n = bench::sizes_for(opts.scale, opts.large).savina_counting_messages;
  actor_system sys{make_config(opts)};
  scoped_actor self{sys};
  auto target = sys.spawn(counter);
  auto source = sys.spawn(producer, target, n, self.as_actor());
  std::uint64_t counted = 0;
  auto start = std::chrono::steady_clock::now();
  self->send(source, count_start{});
  self->receive([&](count_total t) { counted = t.value; });
  std::chrono::duration<double, std::milli> elapsed = std::chrono::steady_clock::now() - start;
  out.emit_time_and_peak_rss("savina_counting", elapsed.count());
  return check_count("savina_counting", n, counted);
}

} // namespace ringactor_bench
