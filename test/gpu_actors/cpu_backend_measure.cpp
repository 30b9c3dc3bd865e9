// Measures the CPU backend on this machine: injection cost, round trips in
// persistent and launch mode, and the two grid emulations (round trips of
// small messages, throughput of a data-parallel handler). Not a test and not
// the benchmark suite (bench/); the numbers go to docs/kernels.md.
//
//   ./build/test/gpu_actors/gpu_cpu_backend_measure
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <vector>

#include <ringactor/gpu/channel.hpp>
#include <ringactor/gpu/cpu_backend.hpp>
#include <ringactor/gpu/kernels/adder.hpp>

#include "test_kernels.hpp"

using namespace ringactor;
using namespace std::chrono;
using clock_type = steady_clock;

namespace {

/// Like gpu_test::scaler, but each thread scales one contiguous chunk: the
/// CPU-friendly access pattern (a grid-stride loop makes every emulated rank
/// walk the whole buffer's cache lines).
struct chunk_scaler {
  using inputs = message_list<gpu_test::scale>;

  template <class Ctx>
  RINGACTOR_DEVICE void handle(Ctx& ctx, const gpu_test::scale& m) {
    auto chunk = (size + ctx.grid_size() - 1) / ctx.grid_size();
    auto first = ctx.thread_rank() * chunk;
    auto last = first + chunk < size ? first + chunk : size;
    for (auto i = first; i < last; ++i)
      data[i] *= m.factor;
  }

  float* data;
  std::uint32_t size;
};

template <class Kernel, class Msg>
double round_trip_ns(const Kernel& k, const cpu_kernel_options& opts, Msg msg, int count) {
  kernel_channel ch;
  cpu_kernel_runner<Kernel> runner{k, ch, opts};
  runner.start();
  slot_header h;
  alignas(64) std::byte buf[256];
  std::vector<double> samples;
  samples.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count + 100; ++i) {
    auto t0 = clock_type::now();
    while (!ch.try_send_message<Kernel>(msg, static_cast<std::uint64_t>(i + 1))) {
    }
    if (opts.mode == loop_mode::launch)
      runner.launch();
    while (!ch.try_receive(h, buf)) {
    }
    auto t1 = clock_type::now();
    if (i >= 100)
      samples.push_back(static_cast<double>(duration_cast<nanoseconds>(t1 - t0).count()));
  }
  ch.control().request_drain();
  runner.join();
  std::sort(samples.begin(), samples.end());
  return samples[samples.size() / 2];
}

template <class Kernel, class Msg>
double throughput_per_s(const Kernel& k, const cpu_kernel_options& opts, Msg msg, int count) {
  kernel_channel ch;
  cpu_kernel_runner<Kernel> runner{k, ch, opts};
  runner.start();
  slot_header h;
  alignas(64) std::byte buf[256];
  auto t0 = clock_type::now();
  int sent = 0;
  int got = 0;
  while (got < count) {
    if (sent < count && ch.try_send_message<Kernel>(msg, static_cast<std::uint64_t>(sent + 1)))
      ++sent;
    if (ch.try_receive(h, buf))
      ++got;
  }
  auto t1 = clock_type::now();
  ch.control().request_drain();
  runner.join();
  return count / duration<double>(t1 - t0).count();
}

/// Producer-side cost per message pushed into H2K while the kernel consumes.
double injection_ns(int count) {
  kernel_channel ch{channel_geometry{.h2k_capacity = 1 << 16, .k2h_capacity = 1 << 16}};
  cpu_kernel_runner<kernels::adder> runner{kernels::adder{}, ch, {}};
  runner.start();
  int pushed = 0;
  auto t0 = clock_type::now();
  while (pushed < count) {
    if (ch.try_send_message<kernels::adder>(kernels::add{pushed, 1}))
      ++pushed;
  }
  auto t1 = clock_type::now();
  ch.control().request_drain();
  runner.join();
  return static_cast<double>(duration_cast<nanoseconds>(t1 - t0).count()) / count;
}

const char* name(cpu_grid_emulation e) {
  return e == cpu_grid_emulation::sequential ? "sequential" : "thread_per_block";
}

} // namespace

int main() {
  std::printf("hardware threads: %u\n", std::thread::hardware_concurrency());
  const kernels::adder adder{};
  std::printf("injection (plain messages, ring of 65536, kernel consuming): %.1f ns/message\n",
              injection_ns(60000));
  std::printf("adder, grid 1x1, persistent: round trip p50 %.0f ns\n",
              round_trip_ns(adder, {}, kernels::add{1, 2}, 20000));
  std::printf("adder, grid 1x1, launch mode: round trip p50 %.0f ns\n",
              round_trip_ns(adder, {.mode = loop_mode::launch}, kernels::add{1, 2}, 5000));
  std::printf("adder, grid 1x1, persistent: %.0f messages/s\n",
              throughput_per_s(adder, {}, kernels::add{1, 2}, 200000));

  for (auto e : {cpu_grid_emulation::sequential, cpu_grid_emulation::thread_per_block}) {
    for (grid_dim g : {grid_dim{2, 1}, grid_dim{2, 32}, grid_dim{4, 32}}) {
      std::vector<float> small(g.size(), 1.0f);
      gpu_test::scaler k{small.data(), static_cast<std::uint32_t>(small.size())};
      cpu_kernel_options o{.grid = g, .emulation = e};
      std::printf("%-16s grid %ux%-3u tiny handler: round trip p50 %8.0f ns, %9.0f messages/s\n",
                  name(e), g.blocks, g.threads, round_trip_ns(k, o, gpu_test::scale{1.0f}, 5000),
                  throughput_per_s(k, o, gpu_test::scale{1.0f}, 20000));
    }
    for (std::uint32_t n : {1u << 16, 1u << 20}) {
      std::vector<float> data(n, 1.0f);
      gpu_test::scaler k{data.data(), n};
      cpu_kernel_options o{.grid = {2, 256}, .emulation = e};
      std::printf("%-16s grid 2x256 scale %7u floats, grid-stride: %8.0f messages/s\n", name(e), n,
                  throughput_per_s(k, o, gpu_test::scale{1.0f}, n > 100000 ? 200 : 2000));
      chunk_scaler c{data.data(), n};
      std::printf("%-16s grid 2x256 scale %7u floats, chunked:     %8.0f messages/s\n", name(e), n,
                  throughput_per_s(c, o, gpu_test::scale{1.0f}, n > 100000 ? 200 : 2000));
    }
  }
}
