// Kernel actor benchmarks (issue 4), each figure labelled with its backend
// and device: injection cost per message into H2K while the kernel consumes
// (channel level), round trip p50/p99 through the kernel actor (request ->
// kernel handles -> reply seen by the requester), streaming throughput
// through one kernel actor and through four, and the same kernel in launch
// mode (one task per message on the CPU backend; launch + synchronize on
// CUDA). The round trip is measured twice: alone, and "under load", while
// another thread streams 100,000 plain messages/s into the same kernel. On
// CUDA, the raw floor of launch mode too (kernel_launch_floor_cuda): one
// kernel launch taking the message by value plus cudaStreamSynchronize on
// the requesting thread, with no actor, mailbox or ring in the way.
//
//   kernel_bench [--quick|--tiny] [--workers N] [--backend cpu|cuda|auto]
//
// Where --backend cuda is not usable (no device, or a build without the
// CUDA backend) it says why and exits with 77 (skip).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include <ringactor/all.hpp>
#include <ringactor/gpu/channel.hpp>
#include <ringactor/gpu/cpu_backend.hpp>
#include <ringactor/gpu/kernel_actor.hpp>
#include <ringactor/gpu/kernels/adder.hpp>

#include "report.hpp"
#if RINGACTOR_BENCH_LAUNCH_FLOOR
#  include "launch_floor.hpp"
#endif

using namespace ringactor;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using kernels::add;

namespace {

using adder_if = typed_actor<result<std::int32_t>(add), result<std::int64_t>(kernels::accumulate)>;

double percentile(std::vector<double> xs, double p) {
  if (xs.empty())
    return 0;
  std::sort(xs.begin(), xs.end());
  return xs[static_cast<size_t>(p / 100.0 * static_cast<double>(xs.size() - 1))];
}

/// Producer-side cost per message pushed into H2K while the kernel consumes.
/// Pushed in bursts of half the ring, each timed, with an untimed wait for
/// the kernel to catch up between bursts: once a ring is full the sender
/// waits for the kernel, and that is the kernel's throughput (the stream
/// figures), not the cost of injecting.
double injection_ns(int count) {
  constexpr std::uint32_t capacity = 1 << 16;
  constexpr int burst = capacity / 2;
  kernel_channel ch{channel_geometry{.h2k_capacity = capacity, .k2h_capacity = capacity}};
  cpu_kernel_runner<kernels::adder> runner{kernels::adder{}, ch, {}};
  runner.start();
  int pushed = 0;
  clock_type::duration timed{};
  while (pushed < count) {
    auto end = std::min(count, pushed + burst);
    auto t0 = clock_type::now();
    while (pushed < end)
      if (ch.try_send_message<kernels::adder>(add{pushed, 1}))
        ++pushed;
    timed += clock_type::now() - t0;
    while (ch.control().h2k_consumed() < static_cast<std::uint64_t>(pushed))
      std::this_thread::yield();
  }
  ch.control().request_drain();
  runner.join();
  return std::chrono::duration<double, std::nano>(timed).count() / count;
}

std::vector<double> round_trips_us(actor_system& sys, const adder_if& k, int count) {
  scoped_actor self{sys};
  std::vector<double> samples;
  samples.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    auto t0 = clock_type::now();
    auto r = self->request(k, 5s, add{i, 1}).get();
    auto t1 = clock_type::now();
    if (!r || *r != i + 1)
      throw std::runtime_error("wrong answer");
    if (i >= count / 10) // warm-up excluded
      samples.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  return samples;
}

double stream_per_s(actor_system& sys, const std::vector<adder_if>& ks, int count) {
  scoped_actor self{sys};
  std::vector<blocking_response_handle<std::int32_t>> window;
  auto t0 = clock_type::now();
  int answered = 0;
  for (int next = 0; next < count;) {
    window.clear();
    for (; next < count && window.size() < 256; ++next)
      window.push_back(self->request(ks[static_cast<size_t>(next) % ks.size()], 10s, add{next, 1}));
    for (auto& h : window)
      h.receive([&](std::int32_t) { ++answered; }, [](const error&) {});
  }
  auto t1 = clock_type::now();
  if (answered != count)
    throw std::runtime_error("lost replies");
  return count / std::chrono::duration<double>(t1 - t0).count();
}

/// Round trips to `k` while another thread streams plain messages into the
/// same kernel at `load_per_s` (the requests queue behind them): the round
/// trip "under load". Also returns the load actually sent.
std::vector<double> loaded_round_trips_us(actor_system& sys, const adder_if& k, int count,
                                          double load_per_s, double& sent_per_s) {
  std::atomic<bool> stop{false};
  std::uint64_t sent = 0;
  double seconds = 0;
  std::thread loader{[&] {
    scoped_actor self{sys};
    auto t0 = clock_type::now();
    auto gap = std::chrono::duration<double>(1.0 / load_per_s);
    while (!stop.load(std::memory_order_relaxed)) {
      // Paced in batches of 16: the send times follow the target rate.
      auto due = t0 + std::chrono::duration_cast<clock_type::duration>(gap * (sent + 16));
      for (int i = 0; i < 16; ++i)
        self->send(k, add{1, 1});
      sent += 16;
      while (clock_type::now() < due && !stop.load(std::memory_order_relaxed))
        std::this_thread::yield();
    }
    seconds = std::chrono::duration<double>(clock_type::now() - t0).count();
  }};
  auto samples = round_trips_us(sys, k, count);
  stop.store(true, std::memory_order_relaxed);
  loader.join();
  sent_per_s = static_cast<double>(sent) / seconds;
  return samples;
}

} // namespace

int main(int argc, char** argv) {
  int scale = 100;
  size_t workers = 2;
  std::string backend_name = "cpu";
  long idle_spin_us = -1;
  long kernel_spin = -1;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--quick")
      scale = 10;
    else if (arg == "--tiny")
      scale = 1;
    else if (arg == "--workers" && i + 1 < argc)
      workers = std::stoul(argv[++i]);
    else if (arg == "--backend" && i + 1 < argc)
      backend_name = argv[++i];
    else if (arg == "--idle-spin-us" && i + 1 < argc)
      idle_spin_us = std::stol(argv[++i]);
    else if (arg == "--kernel-spin" && i + 1 < argc)
      kernel_spin = std::stol(argv[++i]);
    else {
      fmt::print(stderr,
                 "usage: kernel_bench [--quick|--tiny] [--workers N] [--backend cpu|cuda|auto]\n");
      return 2;
    }
  }
  if (backend_name != "cpu" && backend_name != "cuda" && backend_name != "auto") {
    fmt::print(stderr, "kernel_bench: unknown backend '{}' (cpu, cuda or auto)\n", backend_name);
    return 2;
  }
  // auto: CUDA where a device is usable (the adder is registered for CUDA in
  // every build with the backend), else the CPU backend.
  auto backend = backend_name == "cuda"
                     || (backend_name == "auto" && cuda_backend_compiled()
                         && cuda_device_count() > 0)
                   ? kernel_backend::cuda
                   : kernel_backend::cpu;
  bench::reporter out{"ringactor", workers};
  auto sys_cfg = actor_system_config{}.set_workers(workers);
  if (idle_spin_us >= 0)
    sys_cfg.set_idle_spin(std::chrono::microseconds{idle_spin_us});
  actor_system sys{sys_cfg};
  kernel_config cfg;
  cfg.backend = backend;
  if (kernel_spin >= 0)
    cfg.spin_before_park = static_cast<std::uint32_t>(kernel_spin);
  adder_if probe;
  try {
    probe = spawn_kernel<adder_if>(sys, kernels::adder{}, cfg);
  } catch (const std::exception& ex) {
    fmt::print(stderr, "kernel_bench: no {} backend here: {}\n", backend_name, ex.what());
    return 77;
  }
  // Labels say where the figure was measured: never a GPU figure from a CPU.
  auto label = [&](std::string_view what) {
    return backend == kernel_backend::cuda ? fmt::format("kernel_{}_cuda", what)
                                           : fmt::format("kernel_{}_cpu_backend", what);
  };
  if (backend == kernel_backend::cpu)
    out.emit(label("injection"), "ns_per_message",
             injection_ns(std::max(2000, 600000 * scale / 100)), "ns");

  auto rounds = std::max(500, 50000 * scale / 100);
  auto persistent = round_trips_us(sys, probe, rounds);
  out.emit(label("round_trip"), "p50_us", percentile(persistent, 50), "us");
  out.emit(label("round_trip"), "p99_us", percentile(persistent, 99), "us");

  double sent_per_s = 0;
  auto loaded = loaded_round_trips_us(sys, probe, rounds, 100'000, sent_per_s);
  out.emit(label("round_trip_under_load"), "p50_us", percentile(loaded, 50), "us");
  out.emit(label("round_trip_under_load"), "p99_us", percentile(loaded, 99), "us");
  out.emit(label("round_trip_under_load"), "background_messages_per_s", sent_per_s, "1/s");

  auto launch_cfg = cfg;
  launch_cfg.mode = loop_mode::launch;
  auto launched = spawn_kernel<adder_if>(sys, kernels::adder{}, launch_cfg);
  auto launch = round_trips_us(sys, launched, std::max(200, 10000 * scale / 100));
  out.emit(label("launch_mode_round_trip"), "p50_us", percentile(launch, 50), "us");
  out.emit(label("launch_mode_round_trip"), "p99_us", percentile(launch, 99), "us");
  out.emit(label("round_trip"), "persistent_speedup_over_launch",
           percentile(launch, 50) / percentile(persistent, 50), "x");
#if RINGACTOR_BENCH_LAUNCH_FLOOR
  if (backend == kernel_backend::cuda) {
    auto floor = bench::launch_floor_round_trips_us(std::max(200, 10000 * scale / 100));
    out.emit(label("launch_floor"), "p50_us", percentile(floor, 50), "us");
    out.emit(label("launch_floor"), "p99_us", percentile(floor, 99), "us");
    out.emit(label("round_trip"), "persistent_speedup_over_launch_floor",
             percentile(floor, 50) / percentile(persistent, 50), "x");
  }
#endif

  auto n = std::max(2000, 400000 * scale / 100);
  out.emit(label("stream"), "messages_per_s_1_kernel", stream_per_s(sys, {probe}, n), "1/s");
  std::vector<adder_if> four;
  for (int i = 0; i < 4; ++i)
    four.push_back(spawn_kernel<adder_if>(sys, kernels::adder{}, cfg));
  out.emit(label("stream"), "messages_per_s_4_kernels", stream_per_s(sys, four, n), "1/s");
  out.emit(label("round_trip"), "count", static_cast<double>(persistent.size()), "replies");
  return 0;
}
