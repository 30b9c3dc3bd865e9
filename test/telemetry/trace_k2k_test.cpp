// Trace context through the K2K broker: the envelope carries the sender's
// trace to the endpoint, across brokers, out of a broker's queue, and the
// receipt carries it back.
#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <ringactor/all.hpp>
#include <ringactor/k2k/broker.hpp>

#include "test_util.hpp"

using namespace ringactor;
using namespace std::chrono_literals;
using k2k::delivery_status;
using test_util::eventually;

namespace trace_k2k_test {

struct traced_ping {
  int value;
};
RINGACTOR_K2K_ROUTABLE(traced_ping, "telemetry.trace_ping")

struct open_up {};

/// The trace each ping had at its endpoint, by ping value.
struct seen_traces {
  std::mutex mtx;
  std::vector<std::pair<int, trace_context>> values;
  void add(int value, const trace_context& x) {
    std::lock_guard guard{mtx};
    values.emplace_back(value, x);
  }
  std::optional<trace_context> of(int value) {
    std::lock_guard guard{mtx};
    for (auto& [v, x] : values)
      if (v == value)
        return x;
    return std::nullopt;
  }
};

/// Records each ping's trace; holds pings unconfirmed until `open_up`.
behavior endpoint(event_based_actor* self, std::shared_ptr<seen_traces> seen, bool hold) {
  auto held = std::make_shared<std::vector<typed_response_promise<void>>>();
  auto open = std::make_shared<bool>(!hold);
  return {
    [self, seen, held, open](traced_ping p) -> result<void> {
      seen->add(p.value, self->current_trace());
      if (*open)
        return {};
      held->push_back(self->make_response_promise<void>());
      return held->back();
    },
    [held, open](open_up) {
      *open = true;
      for (auto& rp : *held)
        rp.deliver();
      held->clear();
    },
  };
}

bool same_trace(const trace_context& x, const trace_context& y) {
  return x.valid() && x.trace_id_high() == y.trace_id_high()
         && x.trace_id_low() == y.trace_id_low();
}

} // namespace trace_k2k_test

using namespace trace_k2k_test;

TEST_SUITE_BEGIN("telemetry");

TEST_CASE("a K2K send reaches its endpoint within the sender's trace and its receipt carries it") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto b = k2k::spawn_broker(sys);
  auto seen = std::make_shared<seen_traces>();
  auto ep = sys.spawn(endpoint, seen, false);
  scoped_actor self{sys};
  REQUIRE(self->request(b, 5s, k2k::register_endpoint{"k1", ep, 0}).get());
  auto root = trace_context::make_root();
  std::optional<expected<k2k::receipt>> r;
  {
    trace_scope scope{root};
    r.emplace(self->request(b, 10s, k2k::make_send("k1", traced_ping{1})).get());
  }
  REQUIRE(r->has_value());
  auto& receipt = r->value();
  CHECK(receipt.status == delivery_status::delivered);
  auto at_endpoint = seen->of(1);
  REQUIRE(at_endpoint);
  CHECK(same_trace(*at_endpoint, root));
  CHECK(same_trace(receipt.trace, root));
  // The delivery was a request of the broker: a child of the send's span.
  CHECK(at_endpoint->span_id() != receipt.trace.span_id());
  // Kept receipts carry it too.
  auto kept = self->request(b, 5s, k2k::lookup_receipt{receipt.id}).get();
  REQUIRE(kept);
  CHECK(kept->trace == receipt.trace);
  // An untraced send stays untraced.
  auto plain = self->request(b, 10s, k2k::make_send("k1", traced_ping{2})).get();
  REQUIRE(plain);
  CHECK_FALSE(plain->trace.valid());
  REQUIRE(eventually([&] { return seen->of(2).has_value(); }));
  CHECK_FALSE(seen->of(2)->valid());
}

TEST_CASE("a K2K message forwarded between brokers keeps the sender's trace") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto b1 = k2k::spawn_broker(sys, {.clock = std::make_shared<k2k::hybrid_clock>(1)});
  auto b2 = k2k::spawn_broker(sys, {.clock = std::make_shared<k2k::hybrid_clock>(2)});
  auto seen = std::make_shared<seen_traces>();
  auto ep = sys.spawn(endpoint, seen, false);
  scoped_actor self{sys};
  REQUIRE(self->request(b2, 5s, k2k::register_endpoint{"far", ep, 0}).get());
  REQUIRE(self->request(b1, 5s, k2k::register_endpoint{"b2", actor{b2.ctrl()}, 0}).get());
  REQUIRE(self->request(b1, 5s, k2k::add_route{"far", "b2"}).get());
  auto root = trace_context::make_root();
  trace_scope scope{root};
  auto r = self->request(b1, 10s, k2k::make_send("far", traced_ping{3})).get();
  REQUIRE(r);
  CHECK(r->status == delivery_status::delivered);
  CHECK(r->hops == 1);
  CHECK(same_trace(r->trace, root));
  auto at_endpoint = seen->of(3);
  REQUIRE(at_endpoint);
  CHECK(same_trace(*at_endpoint, root));
}

TEST_CASE("a K2K message queued at the broker is delivered within its own trace") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto b = k2k::spawn_broker(sys);
  auto seen = std::make_shared<seen_traces>();
  auto ep = sys.spawn(endpoint, seen, true);
  scoped_actor self{sys};
  // One in flight at a time: the second waits in the broker's queue and
  // goes out when the first is confirmed, in the handler of that
  // confirmation (which belongs to the first message's trace).
  REQUIRE(self->request(b, 5s, k2k::register_endpoint{"k1", ep, 1}).get());
  auto first = trace_context::make_root();
  auto second = trace_context::make_root();
  std::optional<decltype(self->request(b, 10s, k2k::make_send("k1", traced_ping{1})))> h1, h2;
  {
    trace_scope scope{first};
    h1.emplace(self->request(b, 10s, k2k::make_send("k1", traced_ping{1})));
  }
  REQUIRE(eventually([&] { return seen->of(1).has_value(); }));
  {
    trace_scope scope{second};
    h2.emplace(self->request(b, 10s, k2k::make_send("k1", traced_ping{2})));
  }
  self->send(ep, open_up{});
  auto r1 = h1->get();
  auto r2 = h2->get();
  REQUIRE(r1);
  REQUIRE(r2);
  CHECK(r1->status == delivery_status::delivered);
  CHECK(r2->status == delivery_status::delivered);
  REQUIRE(seen->of(2).has_value());
  CHECK(same_trace(*seen->of(1), first));
  CHECK(same_trace(*seen->of(2), second));
  CHECK(same_trace(r2->trace, second));
}
