// mixed_case (CAF's benchmark of the same name): R chain masters each build a
// ring of K actors, pass a token around it until it has counted down from T to
// zero, and rebuild the ring B times. Every rebuild sends one factorization job
// to the master's worker, whose answer goes to a supervisor that checks it.
// Message traffic: about R * B * T * K token hops; CPU work: R * B
// factorizations by trial division, about 0.3 s each here, which dominate.
//
// CAF's master sends the job with send_as(supervisor, worker, ...) so that the
// worker's answer goes to the supervisor; here the job names whom to answer.
// Either way the job is one message to the worker and the answer one message
// to the supervisor.
#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "process_stats.hpp"
#include "ringactor_support.hpp"
#include "workload_sizes.hpp"

using namespace ringactor;

namespace ringactor_bench {

namespace {

using factors = std::vector<std::uint64_t>;

struct calc {
  std::uint64_t n;
  actor reply_to;
};
struct token {
  std::uint64_t value;
};
struct worker_done {};
struct master_done {};
struct done {
  std::uint64_t correct_factors;
};

behavior factorizer(event_based_actor* self) {
  return {
    [=](const calc& job) { self->send(job.reply_to, bench::factorize(job.n)); },
    [=](worker_done) { self->quit(); },
  };
}

behavior chain_link(event_based_actor* self, actor next) {
  return {
    [=](token t) {
      self->send(next, t);
      if (t.value == 0)
        self->quit();
    },
  };
}

struct master_state {
  std::uint64_t rebuilds_done = 0;
  actor worker;
  actor next;
};

struct mixed_params {
  std::uint64_t ring_size;
  std::uint64_t initial_token;
  std::uint64_t rebuilds;
};

behavior chain_master(stateful_actor<master_state>* self, actor checker, mixed_params params) {
  auto new_ring = [=] {
    self->send(self->state.worker, calc{bench::mixed_task, checker});
    self->state.next = actor{self->ctrl()};
    for (std::uint64_t i = 1; i < params.ring_size; ++i)
      self->state.next = self->spawn(chain_link, self->state.next);
    self->send(self->state.next, token{params.initial_token});
  };
  self->state.worker = self->spawn(factorizer);
  new_ring();
  return {
    [=](token t) {
      if (t.value > 0) {
        self->send(self->state.next, token{t.value - 1});
      } else if (++self->state.rebuilds_done < params.rebuilds) {
        new_ring();
      } else {
        self->send(self->state.worker, worker_done{});
        self->send(checker, master_done{});
        self->quit();
      }
    },
  };
}

struct supervisor_state {
  std::uint64_t correct_factors = 0;
  std::uint64_t messages_left = 0;
};

// Waits for every job's answer and every master's done message: the two come
// from different senders, so they may arrive in any order.
behavior supervisor(stateful_actor<supervisor_state>* self, std::uint64_t jobs,
                    std::uint64_t masters, actor done_to) {
  self->state.messages_left = jobs + masters;
  auto count_down = [=] {
    if (--self->state.messages_left == 0) {
      self->send(done_to, done{self->state.correct_factors});
      self->quit();
    }
  };
  return {
    [=](const factors& result) {
      if (result == factors{bench::mixed_factor1, bench::mixed_factor2})
        ++self->state.correct_factors;
      count_down();
    },
    [=](master_done) { count_down(); },
  };
}

/// Seconds that `threads` plain threads (no actors, no messages) take for
/// `jobs` factorizations of the workload's number: the floor of any runtime
/// with that many workers on this machine, measured in the same run.
double factorization_floor_seconds(std::uint64_t jobs, std::size_t threads) {
  std::atomic<std::uint64_t> next{0};
  std::atomic<std::uint64_t> correct{0};
  auto start = std::chrono::steady_clock::now();
  {
    std::vector<std::jthread> pool;
    for (std::size_t t = 0; t < threads; ++t)
      pool.emplace_back([&] {
        // Relaxed: a job counter; the threads' joins order the results.
        while (next.fetch_add(1, std::memory_order_relaxed) < jobs)
          if (bench::factorize(bench::mixed_task)
              == factors{bench::mixed_factor1, bench::mixed_factor2})
            correct.fetch_add(1, std::memory_order_relaxed);
      });
  }
  std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  if (correct.load(std::memory_order_relaxed) != jobs)
    throw std::runtime_error("mixed_case: a floor factorization was wrong");
  return elapsed.count();
}

} // namespace

int mixed_case(const bench::options& opts, bench::reporter& out) {
  auto sizes = bench::sizes_for(opts.scale, opts.large);
  auto jobs = sizes.mixed_rings * sizes.mixed_rebuilds;
  mixed_params params{sizes.mixed_ring_size, sizes.mixed_initial_token, sizes.mixed_rebuilds};
  actor_system sys{make_config(opts)};
  scoped_actor self{sys};
  std::uint64_t verified = 0;
  auto cpu_before = bench::cpu_seconds();
  auto start = std::chrono::steady_clock::now();
  auto sv = sys.spawn(supervisor, jobs, sizes.mixed_rings, self.as_actor());
  for (std::uint64_t i = 0; i < sizes.mixed_rings; ++i)
    sys.spawn(chain_master, sv, params);
  self->receive([&](done d) { verified = d.correct_factors; });
  std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  auto cpu = bench::cpu_seconds() - cpu_before;
  out.emit("mixed_case", "total_ms", elapsed.count() * 1e3, "ms");
  // CPU time of the whole process: less sensitive than wall time to other load
  // on the machine, and at least jobs * (time of one factorization).
  out.emit("mixed_case", "cpu_ms", cpu * 1e3, "ms");
  out.emit("mixed_case", "count", static_cast<double>(verified), "factorizations");
  // The same factorizations on as many plain threads as workers, nothing
  // else: how close the runtime came to the least time the work allows
  // (bench/RESULTS.md, mixed_case).
  auto floor = factorization_floor_seconds(jobs, opts.workers);
  out.emit("mixed_case", "factorization_floor_ms", floor * 1e3, "ms");
  out.emit("mixed_case", "total_over_floor", elapsed.count() / floor, "x");
  return check_count("mixed_case", jobs, verified);
}

} // namespace ringactor_bench
