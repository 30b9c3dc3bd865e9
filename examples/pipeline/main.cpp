// The flagship demo behind scripts/demo: a streaming pipeline.
//
//   generators --order--> supervised pool of scorers --scored--> K2K broker
//        ^                      (faults injected,                   |
//        |                       restarted)                         v
//        +---------------------- receipts --------------------- aggregator
//
// Host generators keep a window of requests in flight to a pool of workers
// (host actors, or persistent-kernel actors where gpu_actors provides them);
// each answer is routed through the K2K broker to the aggregator. Faults
// crash workers at random; the pool's supervisor restarts them and the pool
// re-dispatches their requests (idempotent work), so nothing is lost.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include <ringactor/all.hpp>
#include <ringactor/k2k/all.hpp>
#include <ringactor/supervision/all.hpp>

#include "pipeline.hpp"
#include "workers.hpp"

using namespace ringactor;
using namespace std::chrono_literals;
using pipeline::order;
using pipeline::scored;
using pipeline::scorer;

namespace {

struct options {
  double duration_s = 10;
  size_t workers = 4;
  size_t generators = 2;
  double faults_per_s = 5;
  std::string backend = "auto";
};

[[noreturn]] void usage(int rc) {
  fmt::print("usage: pipeline [--duration SECONDS] [--workers N] [--generators N]\n"
             "                [--faults PER_SECOND] [--backend auto|host|cpu|cuda]\n"
             "  auto: persistent kernels on the GPU if one is usable, else on the CPU backend\n");
  std::exit(rc);
}

options parse(int argc, char** argv) {
  options opt;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc)
        usage(2);
      return argv[++i];
    };
    if (arg == "--duration")
      opt.duration_s = std::stod(value());
    else if (arg == "--workers")
      opt.workers = std::stoul(value());
    else if (arg == "--generators")
      opt.generators = std::stoul(value());
    else if (arg == "--faults")
      opt.faults_per_s = std::stod(value());
    else if (arg == "--backend")
      opt.backend = value();
    else if (arg == "--help" || arg == "-h")
      usage(0);
    else
      usage(2);
  }
  if (opt.workers == 0 || opt.generators == 0 || opt.duration_s <= 0)
    usage(2);
  return opt;
}

// -- the aggregator --------------------------------------------------------------------

struct totals {
  uint64_t orders = 0;
  uint64_t value_cents = 0;
  uint64_t high_risk = 0;
};

struct get_totals {};

behavior aggregator(stateful_actor<totals>* self) {
  return {
    [self](const scored& s) {
      ++self->state.orders;
      self->state.value_cents += s.value_cents;
      if (s.risk >= 90)
        ++self->state.high_risk;
    },
    [self](get_totals) { return self->state; },
  };
}

// -- the generators --------------------------------------------------------------------

struct gen_stats {
  uint64_t sent = 0;
  uint64_t replies = 0;
  uint64_t errors = 0;
  uint64_t routed = 0;   ///< receipts: delivered to the aggregator
  uint64_t unrouted = 0; ///< receipts: anything else
  uint64_t receipts_pending = 0;
  std::vector<uint32_t> latency_us;
};

struct gen_state {
  gen_stats stats;
  uint64_t next_id = 0;
  bool stopping = false;
};

struct start {};
struct stop {};
struct get_gen_stats {};

constexpr size_t window = 32;

behavior generator(stateful_actor<gen_state>* self, scorer pool, k2k::broker broker,
                   uint64_t first_id) {
  self->state.next_id = first_id;
  auto send_one = std::make_shared<std::function<void()>>();
  // The function refers to itself weakly (a strong self-reference would be a
  // cycle that outlives the actor); the behavior below holds it strongly.
  *send_one = [self, pool, broker, weak = std::weak_ptr<std::function<void()>>{send_one}] {
    auto send_one = weak.lock();
    if (!send_one)
      return;
    auto& st = self->state;
    auto id = st.next_id++;
    ++st.stats.sent;
    auto t0 = std::chrono::steady_clock::now();
    order o{id, static_cast<uint32_t>(1 + id % 50), static_cast<uint32_t>(100 + id % 9900)};
    self->request(pool, 10s, o)
      .then(
        [self, broker, send_one, t0](scored s) {
          auto& st = self->state;
          ++st.stats.replies;
          auto us = std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::steady_clock::now() - t0);
          st.stats.latency_us.push_back(static_cast<uint32_t>(us.count()));
          ++st.stats.receipts_pending;
          // The next order goes out once this result reached the aggregator:
          // the window bounds the broker's queues too (backpressure end to end).
          self->request(broker, 10s, k2k::make_send("aggregator", s))
            .then(
              [self, send_one](const k2k::receipt& r) {
                --self->state.stats.receipts_pending;
                if (r.status == k2k::delivery_status::delivered)
                  ++self->state.stats.routed;
                else
                  ++self->state.stats.unrouted;
                if (!self->state.stopping)
                  (*send_one)();
              },
              [self, send_one](const error&) {
                --self->state.stats.receipts_pending;
                ++self->state.stats.unrouted;
                if (!self->state.stopping)
                  (*send_one)();
              });
        },
        [self, send_one](const error& err) {
          ++self->state.stats.errors;
          fmt::print("  request failed: {}\n", err);
          if (!self->state.stopping)
            (*send_one)();
        });
  };
  return {
    [send_one](start) {
      for (size_t i = 0; i < window; ++i)
        (*send_one)();
    },
    [self](stop) { self->state.stopping = true; },
    [self](get_gen_stats) { return self->state.stats; },
  };
}

uint32_t percentile(std::vector<uint32_t>& xs, double p) {
  if (xs.empty())
    return 0;
  auto k = static_cast<size_t>(p / 100.0 * static_cast<double>(xs.size() - 1));
  std::nth_element(xs.begin(), xs.begin() + static_cast<ptrdiff_t>(k), xs.end());
  return xs[k];
}

} // namespace

int main(int argc, char** argv) {
  auto opt = parse(argc, argv);
  // Injected faults are expected here: log them only when asked to.
  if (std::getenv("RINGACTOR_LOG") == nullptr)
    set_log_level(log_level::error);
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto plan = std::make_shared<pipeline::fault_plan>();
  auto backend = pipeline::choose_backend(opt.backend);
  if (!backend) {
    fmt::print("pipeline: {}\n", backend.error());
    return 1;
  }
  fmt::print("pipeline: {} generators -> pool of {} workers ({}) -> K2K broker -> aggregator\n",
             opt.generators, opt.workers, backend->description);
  // A CUDA kernel cannot reach the plan's counters (ordinary host memory):
  // faults are injected into host actors and CPU-backend kernels only.
  const bool inject = backend->name != "cuda";
  if (inject)
    fmt::print("pipeline: {:.0f} s, {} injected faults per second\n", opt.duration_s,
               opt.faults_per_s);
  else
    fmt::print("pipeline: {:.0f} s, no injected faults (not supported on the CUDA backend)\n",
               opt.duration_s);

  // The pool supervises its workers: up to 10000 restarts within 10 s.
  scorer pool = sys.spawn(supervision::pool<scorer>{
    .size = opt.workers,
    .factory = [plan, b = *backend](actor_system& s) { return pipeline::make_worker(s, b, plan); },
    .strategy = supervision::one_for_one{.max_restarts = 10000, .within = 10s},
    .dispatch = supervision::least_loaded{},
    .idempotent = true,
    .name = "scorers"});
  auto broker = k2k::spawn_broker(sys, {.queue_capacity = 4096, .max_in_flight = 64});
  // Each generator keeps `window` orders in flight; at most that many
  // results wait at the broker per generator.
  auto agg = sys.spawn(aggregator);
  if (auto r = self->request(broker, 1s, k2k::register_endpoint{"aggregator", agg, 64}).get(); !r) {
    fmt::print("pipeline: cannot register the aggregator: {}\n", r.error());
    return 1;
  }
  std::vector<actor> gens;
  for (size_t i = 0; i < opt.generators; ++i)
    gens.push_back(sys.spawn(generator, pool, broker, uint64_t{i} << 40));
  for (auto& g : gens)
    self->send(g, start{});

  auto collect = [&] {
    gen_stats all;
    for (auto& g : gens)
      if (auto s = self->request(g, 5s, get_gen_stats{}).get<gen_stats>()) {
        all.sent += s->sent;
        all.replies += s->replies;
        all.errors += s->errors;
        all.routed += s->routed;
        all.unrouted += s->unrouted;
        all.receipts_pending += s->receipts_pending;
        all.latency_us.insert(all.latency_us.end(), s->latency_us.begin(), s->latency_us.end());
      }
    return all;
  };
  auto pool_stats = [&] {
    return self->request(actor_cast<actor>(pool), 5s, supervision::get_pool_stats{})
      .get<supervision::pool_stats>();
  };

  // Run, inject faults, print progress once a second.
  auto started = std::chrono::steady_clock::now();
  auto until = started + std::chrono::duration<double>(opt.duration_s);
  auto fault_every = opt.faults_per_s > 0 ? std::chrono::duration<double>(1.0 / opt.faults_per_s)
                                          : std::chrono::duration<double>(1e9);
  auto next_fault = started + fault_every;
  auto next_print = started + 1s;
  uint64_t last_replies = 0;
  while (std::chrono::steady_clock::now() < until) {
    auto now = std::chrono::steady_clock::now();
    if (inject && now >= next_fault) {
      plan->arm(backend->name != "host");
      next_fault += std::chrono::duration_cast<std::chrono::steady_clock::duration>(fault_every);
    }
    if (now >= next_print) {
      auto s = collect();
      auto ps = pool_stats();
      fmt::print("  t={:4.1f}s processed {:>9} rate {:>9}/s restarts {:>4} errors {}\n",
                 std::chrono::duration<double>(now - started).count(), s.replies,
                 s.replies - last_replies, ps ? ps->restarts : 0, s.errors);
      last_replies = s.replies;
      next_print += 1s;
    }
    std::this_thread::sleep_for(5ms);
  }
  auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started);

  // Drain: stop generating, wait for every request and receipt to end.
  for (auto& g : gens)
    self->send(g, stop{});
  gen_stats s;
  auto drain_until = std::chrono::steady_clock::now() + 15s;
  do {
    s = collect();
    if (s.sent == s.replies + s.errors && s.receipts_pending == 0)
      break;
    std::this_thread::sleep_for(10ms);
  } while (std::chrono::steady_clock::now() < drain_until);
  auto ps = pool_stats();
  auto t = self->request(agg, 5s, get_totals{}).get<totals>();
  auto lost = s.sent - s.replies - s.errors;
  auto p50 = percentile(s.latency_us, 50);
  auto p99 = percentile(s.latency_us, 99);

  fmt::print("\n== summary ==\n");
  fmt::print("  {:<22} {}\n", "backend", backend->description);
  fmt::print("  {:<22} {}\n", "device", backend->device);
  fmt::print("  {:<22} {}\n", "workers", opt.workers);
  fmt::print("  {:<22} {}\n", "messages (orders)", s.sent);
  fmt::print("  {:<22} {}\n", "replies", s.replies);
  fmt::print("  {:<22} {}\n", "errors", s.errors);
  fmt::print("  {:<22} {:.0f} orders/s\n", "throughput",
             static_cast<double>(s.replies) / elapsed.count());
  fmt::print("  {:<22} {} us / {} us\n", "latency p50 / p99", p50, p99);
  fmt::print("  {:<22} {} (faults fired: {})\n", "restarts", ps ? ps->restarts : 0,
             plan->total_fired());
  fmt::print("  {:<22} {}\n", "re-dispatched", ps ? ps->redispatched : 0);
  fmt::print("  {:<22} {} delivered, {} not\n", "k2k receipts", s.routed, s.unrouted);
  fmt::print("  {:<22} {}\n", "aggregated orders", t ? t->orders : 0);
  fmt::print("lost: {}\n", lost);
  return lost == 0 && s.unrouted == 0 ? 0 : 1;
}
