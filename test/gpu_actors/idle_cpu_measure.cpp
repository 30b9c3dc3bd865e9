// Measures the host CPU that idle kernel actors cost: spawns N adders (10 by
// default) on a backend, asks each once, lets them settle, then reads the
// process's CPU time (getrusage: every thread, the completion poller and the
// CPU backend's kernel threads included) over a window. Not a test: a figure
// for docs/kernels.md, labelled with the backend it ran on.
//
//   ./build/test/gpu_actors/gpu_idle_cpu_measure [cpu|cuda] [kernels] [seconds]
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include <sys/resource.h>

#include <ringactor/all.hpp>
#include <ringactor/gpu/kernel_actor.hpp>
#include <ringactor/gpu/kernels/adder.hpp>

using namespace ringactor;
using namespace std::chrono_literals;

namespace {

using adder_if = typed_actor<result<std::int32_t>(kernels::add),
                             result<std::int64_t>(kernels::accumulate)>;

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

} // namespace

int main(int argc, char** argv) {
  bool cuda = argc > 1 && std::strcmp(argv[1], "cuda") == 0;
  int n = argc > 2 ? std::atoi(argv[2]) : 10;
  double window = argc > 3 ? std::atof(argv[3]) : 2.0;
  actor_system sys{actor_system_config{}.set_workers(2)};
  std::vector<adder_if> actors;
  for (int i = 0; i < n; ++i)
    actors.push_back(spawn_kernel<adder_if>(
      sys, kernels::adder{}, {.backend = cuda ? kernel_backend::cuda : kernel_backend::cpu}));
  scoped_actor self{sys};
  for (auto& a : actors)
    self->request(a, 10s, kernels::add{1, 2})
      .receive([](std::int32_t) {},
               [](const error& e) {
                 std::fprintf(stderr, "request failed: %s\n", e.message().c_str());
               });
  std::this_thread::sleep_for(500ms); // past the spinning after the last reply
  auto t0 = std::chrono::steady_clock::now();
  auto c0 = cpu_seconds();
  std::this_thread::sleep_for(std::chrono::duration<double>(window));
  auto c1 = cpu_seconds();
  auto wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("{\"bench\":\"idle_kernel_actors\",\"backend\":\"%s\",\"kernels\":%d,"
              "\"wall_s\":%.3f,\"cpu_s\":%.4f,\"core_percent\":%.3f}\n",
              cuda ? "cuda" : "cpu", n, wall, c1 - c0, 100.0 * (c1 - c0) / wall);
}
