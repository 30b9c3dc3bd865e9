// Supervision benchmarks (issue 6): restart latency, pool throughput with 1,
// 2 and 4 workers, and the fault-injection run. Host workers; the worker kind
// is printed in each figure's bench name.
//
//   supervision_bench [--quick|--tiny] [--workers N]
//
// JSON lines as the other benchmarks: {"bench":"pool_faults","impl":"ringactor",
// "metric":"lost","value":0,...}. Exits 1 if a request was lost.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <ringactor/all.hpp>
#include <ringactor/gpu/kernel_actor.hpp>
#include <ringactor/supervision/all.hpp>

#include "report.hpp"

using namespace ringactor;
using namespace ringactor::supervision;
using namespace std::chrono_literals;

namespace {

struct job {
  uint32_t id;
  uint32_t work; ///< busy-loop rounds
};
struct crash {};

using job_if = typed_actor<result<uint32_t>(job), result<uint32_t>(crash)>;

struct tickets {
  explicit tickets(size_t n) : armed(n) {}
  std::vector<std::atomic<bool>> armed;
};

uint32_t spin_work(uint32_t id, uint32_t rounds) {
  uint32_t h = id;
  for (uint32_t i = 0; i < rounds; ++i)
    h = (h ^ (h >> 13)) * 0x5bd1e995u + i;
  return h;
}

job_if::behavior_type worker(job_if::pointer, std::shared_ptr<tickets> t) {
  return {
    [t](job j) -> uint32_t {
      if (t && j.id < t->armed.size() && t->armed[j.id].exchange(false))
        throw std::runtime_error("injected fault");
      // The comparison keeps the work from being optimized away.
      return spin_work(j.id, j.work) == 0xFFFFFFFFu ? 0u : j.id;
    },
    [](crash) -> uint32_t { throw std::runtime_error("injected crash"); },
  };
}

/// The same job as a persistent kernel (CPU backend here).
struct job_kernel {
  using inputs = message_list<job, crash>;

  template <class Ctx>
  RINGACTOR_DEVICE void handle(Ctx& ctx, const job& j) const {
    ctx.reply(spin_work(j.id, j.work) == 0xFFFFFFFFu ? 0u : j.id);
  }

  template <class Ctx>
  RINGACTOR_DEVICE void handle(Ctx& ctx, const crash&) const {
    ctx.fault(1);
  }
};

kernel_config kernel_worker_config() {
  kernel_config cfg;
  cfg.backend = kernel_backend::cpu;
  cfg.h2k_capacity = 256;
  cfg.k2h_capacity = 256;
  return cfg;
}

auto kernel_factory() {
  return
    [](actor_system& s) { return spawn_kernel<job_if>(s, job_kernel{}, kernel_worker_config()); };
}

auto factory(std::shared_ptr<tickets> t) {
  return [t](actor_system& s) { return s.spawn(worker, t); };
}

struct run_result {
  size_t replies = 0;
  size_t errors = 0;
  double seconds = 0;
};

/// Sends `n` jobs with `window` in flight from a scoped actor.
run_result drive(actor_system& sys, const job_if& pool, size_t n, uint32_t work,
                 size_t window = 256) {
  scoped_actor self{sys};
  run_result out;
  auto start = std::chrono::steady_clock::now();
  std::vector<blocking_response_handle<uint32_t>> batch;
  for (size_t next = 0; next < n;) {
    batch.clear();
    for (; next < n && batch.size() < window; ++next)
      batch.push_back(self->request(pool, 60s, job{static_cast<uint32_t>(next), work}));
    for (auto& h : batch)
      h.receive([&](uint32_t) { ++out.replies; }, [&](const error&) { ++out.errors; });
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

double percentile(std::vector<double> xs, double p) {
  if (xs.empty())
    return 0;
  std::sort(xs.begin(), xs.end());
  auto k = static_cast<size_t>(p / 100.0 * static_cast<double>(xs.size() - 1));
  return xs[k];
}

} // namespace

int main(int argc, char** argv) {
  size_t scale = 100; // percent of the full sizes
  size_t workers = 2;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--quick")
      scale = 10;
    else if (arg == "--tiny")
      scale = 1;
    else if (arg == "--workers" && i + 1 < argc)
      workers = std::stoul(argv[++i]);
    else {
      fmt::print(stderr, "usage: supervision_bench [--quick|--tiny] [--workers N]\n");
      return 2;
    }
  }
  set_log_level(log_level::error); // injected faults are expected
  bench::reporter out{"ringactor", workers};
  auto cfg = actor_system_config{}.set_workers(workers);
  bool lost_any = false;

  // Restart latency: crash the only worker, then time until it serves again.
  for (bool kernels : {false, true}) {
    actor_system sys{cfg};
    auto fac = kernels ? std::function<job_if(actor_system&)>{kernel_factory()}
                       : std::function<job_if(actor_system&)>{factory(nullptr)};
    job_if p = sys.spawn(supervision::pool<job_if>{
      .size = 1,
      .factory = fac,
      .strategy = one_for_one{.max_restarts = 1000000, .within = 1s},
      .queue_timeout = 10s});
    scoped_actor self{sys};
    std::vector<double> samples;
    auto rounds = std::max<size_t>(20, 2000 * scale / 100);
    for (size_t i = 0; i < rounds; ++i) {
      auto fault = std::chrono::steady_clock::now();
      auto r = self->request(p, 10s, crash{}).get();
      if (r.has_value() || r.error() != supervision_error::worker_failed)
        return fmt::print(stderr, "restart: unexpected outcome\n"), 1;
      // The next request waits in the pool's queue until the new worker is up.
      if (!self->request(p, 10s, job{0, 0}).get())
        return fmt::print(stderr, "restart: worker did not come back\n"), 1;
      samples.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now()
                                                                  - fault)
                          .count());
    }
    auto name = kernels ? "pool_restart_kernel_cpu" : "pool_restart_host";
    out.emit(name, "p50_us", percentile(samples, 50), "us");
    out.emit(name, "p99_us", percentile(samples, 99), "us");
    out.emit(name, "count", static_cast<double>(samples.size()), "restarts");
  }

  // Throughput through a pool of 1, 2 and 4 workers (about 2 us of work each).
  for (bool kernels : {false, true}) {
    for (size_t size : {1, 2, 4}) {
      actor_system sys{cfg};
      auto fac = kernels ? std::function<job_if(actor_system&)>{kernel_factory()}
                         : std::function<job_if(actor_system&)>{factory(nullptr)};
      job_if p = sys.spawn(supervision::pool<job_if>{
        .size = size, .factory = fac, .dispatch = least_loaded{}});
      auto n = std::max<size_t>(1000, 200000 * scale / 100);
      auto r = drive(sys, p, n, 400);
      out.emit(kernels ? "pool_throughput_kernel_cpu" : "pool_throughput_host",
               fmt::format("requests_per_s_{}_workers", size),
               static_cast<double>(r.replies) / r.seconds, "1/s");
      if (r.replies != n)
        lost_any = true;
    }
  }

  // Fault injection: 4 workers, requests with crash tickets at random.
  for (bool idempotent : {false, true}) {
    actor_system sys{cfg};
    auto n = std::max<size_t>(1000, 100000 * scale / 100);
    auto faults = n / 100;
    auto t = std::make_shared<tickets>(n);
    std::mt19937 rng{7};
    for (size_t placed = 0; placed < faults;)
      if (!t->armed[std::uniform_int_distribution<size_t>{0, n - 1}(rng)].exchange(true))
        ++placed;
    job_if p = sys.spawn(supervision::pool<job_if>{
      .size = 4,
      .factory = factory(t),
      .strategy = one_for_one{.max_restarts = 1000000, .within = 1s},
      .dispatch = least_loaded{},
      .idempotent = idempotent,
      .queue_timeout = 10s});
    auto r = drive(sys, p, n, 0);
    auto name = idempotent ? "pool_faults_idempotent" : "pool_faults";
    auto lost = n - r.replies - r.errors;
    out.emit(name, "requests", static_cast<double>(n), "requests");
    out.emit(name, "faults", static_cast<double>(faults), "faults");
    out.emit(name, "replies", static_cast<double>(r.replies), "replies");
    out.emit(name, "errors", static_cast<double>(r.errors), "errors");
    out.emit(name, "lost", static_cast<double>(lost), "requests");
    if (lost != 0 || (idempotent && r.errors != 0))
      lost_any = true;
  }
  return lost_any ? 1 : 0;
}
