// request_latency: a blocking caller (scoped_actor) sends N requests, one at a
// time, to one actor that echoes them; reports the p50 and p99 round trip.
#include <chrono>
#include <vector>

#include <fmt/format.h>

#include "caf_support.hpp"
#include "process_stats.hpp"

using namespace caf;

namespace caf_bench {

namespace {

behavior echo(event_based_actor*) {
  return {
    [](ping_atom, std::uint64_t x) { return x; },
  };
}

} // namespace

int request_latency(const bench::options& opts, bench::reporter& out) {
  auto n = bench::sizes_for(opts.scale, opts.large).latency_requests;
  actor_system_config cfg;
  configure(cfg, opts);
  actor_system sys{cfg};
  scoped_actor self{sys};
  auto server = sys.spawn(echo);
  std::vector<double> micros;
  micros.reserve(n);
  std::uint64_t answered = 0;
  auto first = std::chrono::steady_clock::now();
  for (std::uint64_t i = 0; i < n; ++i) {
    auto start = std::chrono::steady_clock::now();
    self->request(server, infinite, ping_atom::value, i)
      .receive(
        [&](std::uint64_t x) {
          if (x == i)
            ++answered;
        },
        [&](error& err) { fmt::print(stderr, "caf request_latency: {}\n", to_string(err)); });
    std::chrono::duration<double, std::micro> rtt = std::chrono::steady_clock::now() - start;
    micros.push_back(rtt.count());
  }
  std::chrono::duration<double> total = std::chrono::steady_clock::now() - first;
  out.emit("request_latency", "p50_us", bench::percentile(micros, 50), "us");
  out.emit("request_latency", "p99_us", bench::percentile(micros, 99), "us");
  out.emit("request_latency", "requests_per_s", static_cast<double>(n) / total.count(), "1/s");
  out.emit("request_latency", "count", static_cast<double>(answered), "replies");
  return check_count("request_latency", n, answered);
}

} // namespace caf_bench
