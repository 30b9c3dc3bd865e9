// savina_fork_join (Savina "fjthrput"): one driver sends M messages to each of
// W workers, round robin; each worker does a little arithmetic per message and
// reports once it handled all M.
#include <chrono>
#include <cmath>

#include "ringactor_support.hpp"

using namespace ringactor;

namespace ringactor_bench {

namespace {

struct fj_work {};
struct fj_done {
  std::uint64_t handled;
};

struct fj_worker_state {
  std::uint64_t handled = 0;
  double sink = 0;
};

behavior fj_worker(stateful_actor<fj_worker_state>* self, std::uint64_t messages, actor done_to) {
  return {
    [=](fj_work) {
      // Savina's performComputation(37.2).
      auto sint = std::sin(37.2);
      self->state.sink += sint * sint;
      if (++self->state.handled == messages) {
        self->send(done_to, fj_done{self->state.handled});
        self->quit();
      }
    },
  };
}

} // namespace

int savina_fork_join(const bench::options& opts, bench::reporter& out) {
  auto sizes = bench::sizes_for(opts.scale, opts.large);
  actor_system sys{make_config(opts)};
  scoped_actor self{sys};
  std::vector<actor> workers;
  for (std::uint64_t i = 0; i < sizes.savina_fj_workers; ++i)
    workers.push_back(sys.spawn(fj_worker, sizes.savina_fj_messages, self.as_actor()));
  auto start = std::chrono::steady_clock::now();
  // The driver is this blocking actor, as Savina's main thread.
  for (std::uint64_t m = 0; m < sizes.savina_fj_messages; ++m)
    for (auto& w : workers)
      self->send(w, fj_work{});
  std::uint64_t handled = 0;
  for (std::uint64_t i = 0; i < sizes.savina_fj_workers; ++i)
    self->receive([&](fj_done d) { handled += d.handled; });
  std::chrono::duration<double, std::milli> elapsed = std::chrono::steady_clock::now() - start;
  out.emit_time_and_peak_rss("savina_fork_join", elapsed.count());
  return check_count("savina_fork_join", sizes.savina_fj_workers * sizes.savina_fj_messages,
                     handled);
}

} // namespace ringactor_bench
