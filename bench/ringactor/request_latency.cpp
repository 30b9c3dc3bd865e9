// request_latency: a blocking caller (scoped_actor) sends N requests, one at a
// time, to one actor that echoes them; reports the p50 and p99 round trip.
#include <chrono>
#include <vector>

#include <fmt/format.h>

#include "process_stats.hpp"
#include "ringactor_support.hpp"

using namespace ringactor;

namespace ringactor_bench {

namespace {

struct echo_request {
  std::uint64_t value;
};

behavior echo(event_based_actor*) {
  return {
    [](echo_request r) { return r.value; },
  };
}

} // namespace

int request_latency(const bench::options& opts, bench::reporter& out) {
  auto n = bench::sizes_for(opts.scale, opts.large).latency_requests;
  actor_system sys{make_config(opts)};
  scoped_actor self{sys};
  auto server = sys.spawn(echo);
  std::vector<double> micros;
  micros.reserve(n);
  std::uint64_t answered = 0;
  auto first = std::chrono::steady_clock::now();
  for (std::uint64_t i = 0; i < n; ++i) {
    auto start = std::chrono::steady_clock::now();
    self->request(server, infinite, echo_request{i})
      .receive(
        [&](std::uint64_t x) {
          if (x == i)
            ++answered;
        },
        [&](const error& err) {
          fmt::print(stderr, "ringactor request_latency: {}\n", to_string(err));
        });
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

} // namespace ringactor_bench
