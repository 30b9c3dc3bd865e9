// http_bench's shared pieces: options, the drive() loop every side runs
// (clients in threads, a stop flag, latencies, the merge), the report line
// and the adder pool the ringactor and in-process sides serve.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include <ringactor/service/registry.hpp>

#include "../../service/demo_services.hpp"

namespace http_bench {

using namespace ringactor;
using clock = std::chrono::steady_clock;

struct options {
  double seconds = 3.0;
  int connections = 16;
  std::size_t workers = 2;
  int tiny_requests = 0; // > 0: this many requests per client, then stop
};

struct result {
  std::vector<double> latencies_us;
  double seconds = 0;
  long wrong = 0;
};

inline double percentile(std::vector<double>& xs, double p) {
  if (xs.empty())
    return 0;
  auto k = static_cast<std::size_t>(p * static_cast<double>(xs.size() - 1));
  std::nth_element(xs.begin(), xs.begin() + static_cast<std::ptrdiff_t>(k), xs.end());
  return xs[k];
}

/// One JSON line: {"bench":<bench>,"impl":<impl>,"p50_us":..,"p99_us":..,
/// "requests_per_s":..,"connections":..,"seconds":..}.
inline void report(std::string_view bench, std::string_view impl, result& r, const options& o) {
  auto n = static_cast<double>(r.latencies_us.size());
  auto p50 = percentile(r.latencies_us, 0.50);
  auto p99 = percentile(r.latencies_us, 0.99);
  fmt::print("{{\"bench\":\"{}\",\"impl\":\"{}\",\"p50_us\":{:.1f},\"p99_us\":{:.1f},"
             "\"requests_per_s\":{:.0f},\"connections\":{},\"seconds\":{:.2f}}}\n",
             bench, impl, p50, p99, r.seconds > 0 ? n / r.seconds : 0.0, o.connections, r.seconds);
  std::fflush(stdout);
}

/// The number after "output": in a reply, or a value no sum has.
inline long output_of(std::string_view body) {
  auto at = body.find("\"output\":");
  return at == std::string_view::npos ? -1 : std::strtol(body.data() + at + 9, nullptr, 10);
}

/// Runs o.connections clients at once, each in its own thread, for
/// o.seconds (or o.tiny_requests calls each): make_client(c) makes client
/// c's call, which takes the request number and returns whether the answer
/// was right. Each call's latency is kept.
template <class MakeClient>
result drive(const options& o, MakeClient make_client) {
  std::vector<result> parts(static_cast<std::size_t>(o.connections));
  std::atomic<bool> stop{false};
  auto started = clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < o.connections; ++c)
    threads.emplace_back([&, c] {
      auto& part = parts[static_cast<std::size_t>(c)];
      auto call = make_client(c);
      if (!call) {
        ++part.wrong;
        return;
      }
      for (int i = 0;
           o.tiny_requests > 0 ? i < o.tiny_requests : !stop.load(std::memory_order_relaxed); ++i) {
        auto t0 = clock::now();
        bool right = (*call)(i);
        auto t1 = clock::now();
        if (!right)
          ++part.wrong;
        part.latencies_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
      }
    });
  if (o.tiny_requests == 0) {
    std::this_thread::sleep_for(std::chrono::duration<double>(o.seconds));
    stop.store(true, std::memory_order_relaxed);
  }
  for (auto& t : threads)
    t.join();
  result all;
  all.seconds = std::chrono::duration<double>(clock::now() - started).count();
  for (auto& q : parts) {
    all.latencies_us.insert(all.latencies_us.end(), q.latencies_us.begin(), q.latencies_us.end());
    all.wrong += q.wrong;
  }
  return all;
}

/// The pool both ringactor sides and the in-process side serve: 2 adder
/// kernels, least loaded, on the CPU backend (the default of
/// add_demo_service: the figures are labelled as such).
struct adder_pool {
  actor_system sys;
  service::registry reg;
  actor pool;
  // As ringactor-server runs it (server_schema: system.idle_yield = true).
  explicit adder_pool(std::size_t workers)
    : sys(actor_system_config{}.set_workers(workers).set_idle_yield(true)) {
    telemetry::pool_spec spec;
    spec.name = "adder";
    spec.kind = telemetry::worker_kind::kernel;
    spec.type_name = "adder";
    spec.size = 2;
    spec.dispatch = supervision::least_loaded{};
    if (auto added = service::demo::add_demo_service(sys, spec, reg); !added || !*added) {
      fmt::print(stderr, "http_bench: the adder pool does not start\n");
      std::exit(1);
    }
    pool = reg.find("adder")->handle;
  }
};

// -- the WebSocket sides (ws_sides.cpp) -------------------------------------------

/// ringactor's GET /ws (http_server + add_websocket_routes + registry +
/// pool): one connection per client, one execute frame at a time.
result run_ringactor_ws(const options& o);
/// A bare Beast WebSocket server, no actors: the same JSON parse and reply.
result run_bare_ws(const options& o);

} // namespace http_bench
