// A K2K broker's metric families move with its receipts and queues
// (k2k/broker_metrics.hpp): receipts by status, hops, queued messages.
#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <ringactor/all.hpp>
#include <ringactor/k2k/broker.hpp>

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

} // namespace metrics_k2k_test

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

TEST_SUITE_END();
