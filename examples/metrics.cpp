// metrics: what an operator sees. A supervised pool of kernel workers (the
// adder kernel, on the CPU backend when there is no GPU) serves requests,
// and a K2K broker delivers a few messages; the program prints the
// system's health and its metrics page in the Prometheus text format, as a
// /metrics endpoint would serve it.
//
//   metrics            the summary, then the page
//   metrics --page     the page only (what test/telemetry/check_dashboard.py reads)
#include <ringactor/all.hpp>
#include <ringactor/gpu/kernel_actor.hpp>
#include <ringactor/gpu/kernels/adder.hpp>
#include <ringactor/k2k/broker.hpp>
#include <ringactor/supervision/all.hpp>
#include <ringactor/telemetry/prometheus_text.hpp>

#include <chrono>
#include <cstdint>
#include <string_view>

#include <fmt/format.h>

using namespace ringactor;
using namespace std::chrono_literals;
using kernels::accumulate;
using kernels::add;

using adder_if = typed_actor<result<std::int32_t>(add), result<std::int64_t>(accumulate)>;

namespace metrics_example {
struct reading {
  std::int32_t value;
};
RINGACTOR_K2K_ROUTABLE(reading, "metrics_example.reading")
} // namespace metrics_example
using metrics_example::reading;

int main(int argc, char** argv) {
  bool page_only = argc > 1 && std::string_view{argv[1]} == "--page";
  set_log_level(log_level::error);
  // The pool and its kernels' proxies keep the opt-in per-type metrics
  // (mailbox and processing time, mailbox size), by name.
  actor_system sys{
    actor_system_config{}.set_workers(2).set_actor_metrics_includes({"adders", "adder-kernel"})};
  scoped_actor self{sys};
  auto pool = sys.spawn(supervision::pool<adder_if>{
    .size = 2,
    .factory =
      [](actor_system& s) {
        kernel_config cfg;
        cfg.name = "adder-kernel";
        return spawn_kernel<adder_if>(s, kernels::adder{}, cfg);
      },
    .strategy = supervision::one_for_one{.max_restarts = 3, .within = 10s},
    .name = "adders",
    .min_live_workers = 2,
  });
  // 100 requests through the pool; every sum is checked.
  int right = 0;
  for (std::int32_t i = 0; i < 100; ++i)
    self->request(pool, 5s, add{i, i})
      .receive([&](std::int32_t x) { right += x == 2 * i; }, [](const error&) {});
  // Ten messages through a K2K broker to a host endpoint, and one to a
  // kernel id nobody registered: receipts by status.
  auto broker = k2k::spawn_broker(sys, {.name = "edge"});
  auto sink = sys.spawn([]() -> behavior { return {[](reading) {}}; });
  if (auto r = self->request(broker, 5s, k2k::register_endpoint{"sink", sink}).get(); !r) {
    fmt::print(stderr, "metrics: registering the endpoint failed: {}\n", r.error());
    return 1;
  }
  int delivered = 0;
  for (std::int32_t i = 0; i < 11; ++i)
    self->request(broker, 5s, k2k::make_send(i < 10 ? "sink" : "nobody", reading{i}))
      .receive([&](const k2k::receipt& r) { delivered += r.ok(); }, [](const error&) {});
  // One request to an actor that is gone: a dead_receiver outcome.
  auto gone = sys.spawn([]() -> behavior { return {[](add) { return 0; }}; });
  self->monitor(gone);
  self->send_exit(gone, exit_reason::kill);
  self->receive_for(5s, [](down_msg&) {});
  self->request(gone, 5s, add{1, 1}).receive([](std::int32_t) {}, [](const error&) {});
  // The pool reaches its two live kernels asynchronously.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  auto ready = sys.health().readiness();
  while (!ready.ok && std::chrono::steady_clock::now() < deadline)
    ready = sys.health().readiness();
  auto page = telemetry::prometheus_text(sys.metrics());
  if (page_only) {
    fmt::print("{}", page);
  } else {
    fmt::print("metrics: {} of 100 sums right, {} of 10 messages delivered, {}\n", right, delivered,
               ready.ok ? "ready" : "not ready");
    for (auto& c : ready.components)
      fmt::print("  {} {}: {}\n", c.ok ? "ok  " : "FAIL", c.component, c.reason);
    fmt::print("\n{}", page);
  }
  self->send_exit(pool, exit_reason::user_shutdown);
  self->send_exit(broker, exit_reason::user_shutdown);
  return right == 100 && delivered == 10 && ready.ok ? 0 : 1;
}
