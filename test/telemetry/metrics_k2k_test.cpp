// A K2K broker's metric families move with its receipts and queues
// (k2k/broker_metrics.hpp): receipts by status, hops, queued messages, and
// its kernels' device sends by outcome (the kernels of test/k2k, on the CPU
// backend).
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <ringactor/all.hpp>
#include <ringactor/gpu/k2k_port.hpp>
#include <ringactor/gpu/kernel_actor.hpp>
#include <ringactor/k2k/broker.hpp>

#include "../k2k/device_channel_kernels.hpp"
#include "metrics_test_util.hpp"
#include "test_util.hpp"

using namespace ringactor;
using namespace std::chrono_literals;
using k2k::delivery_status;
using metrics_test::histogram_of;
using metrics_test::value_of;
using test_util::eventually;

namespace metrics_k2k_test {

struct tick {
  int value;
};
RINGACTOR_K2K_ROUTABLE(tick, "telemetry.k2k_tick")

struct open_gate {};

/// Confirms each tick at once.
behavior sink(event_based_actor*) {
  return {[](tick) {}};
}

/// Holds its ticks unconfirmed until `open_gate`, then confirms at once.
behavior gate(event_based_actor* self) {
  struct state {
    bool open = false;
    std::vector<typed_response_promise<void>> held;
  };
  auto st = std::make_shared<state>();
  return {
    [self, st](tick) -> result<void> {
      if (st->open)
        return {};
      st->held.push_back(self->make_response_promise<void>());
      return st->held.back();
    },
    [st](open_gate) {
      st->open = true;
      for (auto& rp : st->held)
        rp.deliver();
      st->held.clear();
    },
  };
}

using k2k_device_test::consumer;
using k2k_device_test::counts;
using k2k_device_test::emit;
using k2k_device_test::emitted;
using k2k_device_test::get_counts;
using k2k_device_test::producer;
using k2k_device_test::token;

using producer_if = typed_actor<result<emitted>(emit)>;
using consumer_if = typed_actor<result<counts>(get_counts), result<void>(token)>;

kernel_config cpu_kernel(const char* name) {
  kernel_config cfg;
  cfg.backend = kernel_backend::cpu;
  cfg.name = name;
  // Sanitizer builds run much slower; a gated consumer must not count as stalled.
  cfg.stall_timeout = 120s;
  return cfg;
}

/// A consumer kernel that holds its first token while `*gate` is 0.
consumer_if spawn_consumer(actor_system& sys, std::uint32_t* gate) {
  consumer c;
  c.gate = gate;
  c.sender = k2k_address("prod");
  return spawn_kernel<consumer_if>(sys, c, cpu_kernel("cons"));
}

void open_kernel_gate(std::uint32_t& gate) {
  // Pairs with the consumer's acquire load of the gate.
  dev::atomic_store(gate, std::uint32_t{1}, mem_order::release);
}

template <class Handle>
void register_at(scoped_actor& self, const k2k::broker& b, const char* name, const Handle& h,
                 std::uint32_t channel_capacity = 0) {
  k2k::register_endpoint reg{name, h};
  reg.channel_capacity = channel_capacity;
  REQUIRE(self->request(b, 5s, std::move(reg)).get());
}

emitted emit_to(scoped_actor& self, const producer_if& p, std::string_view to, std::uint32_t n,
                std::uint32_t retry) {
  auto r = self->request(p, 30s, emit{k2k_address(to), 0, n, retry}).get();
  REQUIRE(r.has_value());
  return *r;
}

k2k::broker_stats stats_of(scoped_actor& self, const k2k::broker& b) {
  auto st = self->request(b, 5s, k2k::get_stats{}).get();
  REQUIRE(st.has_value());
  return *st;
}

/// ringactor_k2k_device_sends_total{broker, outcome}, or -1 when missing.
double sends(const metrics::registry& reg, std::string_view broker, std::string_view outcome) {
  return value_of(reg, "ringactor_k2k_device_sends_total", {broker, outcome}).value_or(-1);
}

/// Waits (bounded) until the outcome's total is `n`.
bool sends_reach(const metrics::registry& reg, std::string_view broker, std::string_view outcome,
                 double n) {
  return eventually([&] { return sends(reg, broker, outcome) == n; });
}

} // namespace metrics_k2k_test

namespace k2k_device_test {
// As in the k2k suite: tokens are routable.
RINGACTOR_K2K_ROUTABLE(token, "k2k.test.tokens")
} // namespace k2k_device_test

using namespace metrics_k2k_test;

TEST_SUITE_BEGIN("telemetry");

TEST_CASE("a broker counts its receipts by status and the hops they took") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto b = k2k::spawn_broker(sys, {.name = "edge"});
  scoped_actor self{sys};
  auto ep = sys.spawn(sink);
  REQUIRE(self->request(b, 5s, k2k::register_endpoint{"k1", ep, 0}).get());
  for (int i = 0; i < 3; ++i) {
    auto r = self->request(b, 5s, k2k::make_send("k1", tick{i})).get();
    REQUIRE(r.has_value());
    CHECK(r->status == delivery_status::delivered);
  }
  auto lost = self->request(b, 5s, k2k::make_send("nobody", tick{9})).get();
  REQUIRE(lost.has_value());
  CHECK(lost->status == delivery_status::not_found);
  auto& reg = sys.metrics();
  CHECK(value_of(reg, "ringactor_k2k_receipts_total", {"edge", "delivered"}) == 3);
  CHECK(value_of(reg, "ringactor_k2k_receipts_total", {"edge", "not_found"}) == 1);
  CHECK(value_of(reg, "ringactor_k2k_receipts_total", {"edge", "queue_full"}) == 0);
  auto hops = histogram_of(reg, "ringactor_k2k_receipt_hops", {"edge"});
  REQUIRE(hops.has_value());
  CHECK(hops->count() == 4);
  CHECK(hops->buckets.front() == 4); // every one decided here: 0 hops
}

TEST_CASE("a broker's queued messages are a gauge that empties as they are delivered") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto b = k2k::spawn_broker(sys, {.queue_capacity = 2, .name = "slow"});
  scoped_actor self{sys};
  auto ep = sys.spawn(gate);
  REQUIRE(self->request(b, 5s, k2k::register_endpoint{"g", ep, 1}).get());
  auto h1 = self->request(b, 10s, k2k::make_send("g", tick{1})); // in flight, held
  auto h2 = self->request(b, 10s, k2k::make_send("g", tick{2})); // queued
  auto h3 = self->request(b, 10s, k2k::make_send("g", tick{3})); // queued
  auto h4 = self->request(b, 10s, k2k::make_send("g", tick{4})); // no room
  auto r4 = h4.get();
  REQUIRE(r4.has_value());
  CHECK(r4->status == delivery_status::queue_full);
  auto& reg = sys.metrics();
  CHECK(value_of(reg, "ringactor_k2k_queued", {"slow"}) == 2);
  CHECK(value_of(reg, "ringactor_k2k_receipts_total", {"slow", "queue_full"}) == 1);
  self->send(ep, open_gate{});
  for (auto* h : {&h1, &h2, &h3}) {
    auto r = h->get();
    REQUIRE(r.has_value());
    CHECK(r->status == delivery_status::delivered);
  }
  CHECK(eventually([&] { return value_of(reg, "ringactor_k2k_queued", {"slow"}) == 0; }));
}

TEST_CASE("a broker counts its kernels' device sends by outcome as they happen") {
  // Declared before the system, so it outlives it: a kernel still
  // draining at shutdown may read it.
  std::uint32_t gate = 0;
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto b = k2k::spawn_broker(sys, {.name = "dev"});
  scoped_actor self{sys};
  auto prod = spawn_kernel<producer_if>(sys, producer{}, cpu_kernel("prod"));
  auto cons = spawn_consumer(sys, &gate);
  // A kernel that takes no tokens, and a host actor that does.
  auto other = spawn_kernel<producer_if>(sys, producer{}, cpu_kernel("other"));
  auto host = sys.spawn([]() -> behavior { return {[](const token&) {}}; });
  register_at(self, b, "prod", prod);
  register_at(self, b, "cons", cons, 4);
  register_at(self, b, "other", other);
  register_at(self, b, "host", host);
  auto& reg = sys.metrics();
  // Every outcome is on the page from the start.
  for (auto outcome : {"channel", "host", "broker", "not_found", "not_accepted", "too_large",
                       "queue_full", "host_queue_full"})
    CHECK_MESSAGE(sends(reg, "dev", outcome) == 0, outcome);
  CHECK(value_of(reg, "ringactor_k2k_device_channel_depth", {"dev"}) == 0);

  // The consumer holds the first token at the gate; four more fill its
  // channel; the next send is refused.
  auto full = emit_to(self, prod, "cons", 100, 0);
  CHECK(full.last == static_cast<std::uint32_t>(k2k_send_result::queue_full));
  CHECK(sends_reach(reg, "dev", "channel", static_cast<double>(full.sent)));
  CHECK(sends_reach(reg, "dev", "queue_full", 1));
  // The channel holds its four (three once the first token is taken).
  auto depth = value_of(reg, "ringactor_k2k_device_channel_depth", {"dev"}).value_or(-1);
  CHECK(depth >= 3);
  CHECK(depth <= 4);
  open_kernel_gate(gate);
  CHECK(eventually([&] {
    return value_of(reg, "ringactor_k2k_device_channel_depth", {"dev"}) == 0;
  }));

  CHECK(emit_to(self, prod, "nobody", 3, 0).last
        == static_cast<std::uint32_t>(k2k_send_result::not_found));
  CHECK(sends_reach(reg, "dev", "not_found", 1));
  CHECK(emit_to(self, prod, "other", 3, 0).last
        == static_cast<std::uint32_t>(k2k_send_result::not_accepted));
  CHECK(sends_reach(reg, "dev", "not_accepted", 1));
  CHECK(emit_to(self, prod, "host", 20, 0).sent == 20);
  CHECK(sends_reach(reg, "dev", "host", 20));
  // Retried sends: every refusal of the (small) channel counts.
  auto retried = emit_to(self, prod, "cons", 10, 1);
  CHECK(retried.sent == 10);
  CHECK(sends_reach(reg, "dev", "channel", static_cast<double>(full.sent + 10)));
  CHECK(sends_reach(reg, "dev", "queue_full", static_cast<double>(1 + retried.refused)));
  CHECK(sends(reg, "dev", "broker") == 0);
  CHECK(sends(reg, "dev", "too_large") == 0);
  CHECK(sends(reg, "dev", "host_queue_full") == 0);

  // The broker's statistics say the same (nothing is sent any more).
  auto st = stats_of(self, b);
  CHECK(st.device_sends.channel == full.sent + 10);
  CHECK(st.device_sends.queue_full == 1 + retried.refused);
  CHECK(st.device_sends.not_found == 1);
  CHECK(st.device_sends.not_accepted == 1);
  CHECK(st.device_sends.host == 20);
  CHECK(st.device_queue_full == st.device_sends.queue_full);
}

TEST_CASE("a broker's device send totals stay after the sending kernel is unregistered or "
          "stops") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto b = k2k::spawn_broker(sys, {.name = "keep"});
  scoped_actor self{sys};
  auto prod = spawn_kernel<producer_if>(sys, producer{}, cpu_kernel("prod"));
  auto cons = spawn_consumer(sys, nullptr);
  register_at(self, b, "prod", prod);
  register_at(self, b, "cons", cons);
  auto& reg = sys.metrics();
  CHECK(emit_to(self, prod, "cons", 10, 1).sent == 10);
  CHECK(emit_to(self, prod, "nobody", 1, 0).sent == 0);
  REQUIRE(sends_reach(reg, "keep", "channel", 10));
  REQUIRE(sends_reach(reg, "keep", "not_found", 1));

  // Unregistered: its port's counts are kept at once, its channel's once
  // the kernels let go of it and its memory is freed.
  REQUIRE(self->request(b, 5s, k2k::unregister_endpoint{"prod"}).get());
  CHECK(sends(reg, "keep", "not_found") == 1);
  CHECK(sends(reg, "keep", "channel") == 10);
  REQUIRE(eventually([&] { return stats_of(self, b).device_channels_retiring == 0; }));
  CHECK(sends(reg, "keep", "not_found") == 1);
  CHECK(sends(reg, "keep", "channel") == 10);
  auto st = stats_of(self, b);
  CHECK(st.kernel_sends.size() == 1); // cons only
  CHECK(st.device_sends.not_found == 1);
  CHECK(st.device_sends.channel == 10);

  // A second sender that exits: the broker unregisters it on its own.
  auto second = spawn_kernel<producer_if>(sys, producer{}, cpu_kernel("second"));
  register_at(self, b, "second", second);
  CHECK(emit_to(self, second, "cons", 5, 1).sent == 5);
  CHECK(emit_to(self, second, "nobody", 1, 0).sent == 0);
  REQUIRE(sends_reach(reg, "keep", "channel", 15));
  self->send_exit(second, exit_reason::kill);
  REQUIRE(eventually([&] {
    auto s = stats_of(self, b);
    return s.registered_endpoints == 1 && s.device_channels_retiring == 0;
  }));
  CHECK(sends(reg, "keep", "channel") == 15);
  CHECK(sends(reg, "keep", "not_found") == 2);
  CHECK(stats_of(self, b).device_sends.channel == 15);
}

TEST_CASE("a kernel's sends before its registration are not counted at the broker") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto b = k2k::spawn_broker(sys, {.name = "late"});
  scoped_actor self{sys};
  auto prod = spawn_kernel<producer_if>(sys, producer{}, cpu_kernel("prod"));
  // No broker: no routes, every send is not_found (counted in its port).
  CHECK(emit_to(self, prod, "nobody", 1, 0).last
        == static_cast<std::uint32_t>(k2k_send_result::not_found));
  register_at(self, b, "prod", prod);
  auto& reg = sys.metrics();
  CHECK(sends(reg, "late", "not_found") == 0);
  auto st = stats_of(self, b);
  REQUIRE(st.kernel_sends.size() == 1);
  CHECK(st.kernel_sends[0].not_found == 0);
  CHECK(emit_to(self, prod, "nobody", 1, 0).sent == 0);
  CHECK(sends_reach(reg, "late", "not_found", 1));
  CHECK(stats_of(self, b).kernel_sends[0].not_found == 1);
}

TEST_CASE("scrapes on another thread never see device send totals step back while kernels "
          "come and go") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto b = k2k::spawn_broker(sys, {.name = "churn"});
  scoped_actor self{sys};
  auto cons = spawn_consumer(sys, nullptr);
  register_at(self, b, "cons", cons);
  auto& reg = sys.metrics();
  std::atomic<bool> stop{false};
  std::atomic<int> scrapes{0};
  std::atomic<int> backwards{0};
  // Relaxed: the flags and counts are read after join(), which orders them.
  std::thread scraper{[&] {
    double channel = 0;
    double not_found = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      auto c = sends(reg, "churn", "channel");
      auto n = sends(reg, "churn", "not_found");
      if (c < channel || n < not_found)
        backwards.fetch_add(1, std::memory_order_relaxed);
      channel = c;
      not_found = n;
      scrapes.fetch_add(1, std::memory_order_relaxed);
    }
  }};
  constexpr int rounds = 4;
  for (int i = 0; i < rounds; ++i) {
    auto p = spawn_kernel<producer_if>(sys, producer{}, cpu_kernel("p"));
    register_at(self, b, "p", p);
    CHECK(emit_to(self, p, "cons", 20, 1).sent == 20);
    CHECK(emit_to(self, p, "nobody", 1, 0).sent == 0);
    if (i % 2 == 0)
      REQUIRE(self->request(b, 5s, k2k::unregister_endpoint{"p"}).get());
    else
      self->send_exit(p, exit_reason::kill);
    REQUIRE(eventually([&] { return stats_of(self, b).registered_endpoints == 1; }));
  }
  REQUIRE(eventually([&] { return stats_of(self, b).device_channels_retiring == 0; }));
  stop.store(true, std::memory_order_relaxed);
  scraper.join();
  CHECK(scrapes.load() > 0);
  CHECK(backwards.load() == 0);
  CHECK(sends(reg, "churn", "channel") == 20 * rounds);
  CHECK(sends(reg, "churn", "not_found") == rounds);
}

TEST_SUITE_END();
