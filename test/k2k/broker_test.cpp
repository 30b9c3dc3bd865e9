#include <doctest/doctest.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

#include <ringactor/all.hpp>
#include <ringactor/k2k/broker.hpp>

#include "k2k_test_util.hpp"

using namespace ringactor;
using namespace std::chrono_literals;
using k2k::delivery_status;
using k2k_test::collect;
using k2k_test::eventually;
using k2k_test::got;
using k2k_test::ping;
using k2k_test::release;
using k2k_test::stats_of;
using k2k_test::values_of;

namespace {

actor_system_config test_config() {
  return actor_system_config{}.set_workers(2);
}

expected<void> register_at(scoped_actor& self, const k2k::broker& b, std::string id,
                           const actor& endpoint, std::size_t max_in_flight = 0) {
  return self->request(b, 5s, k2k::register_endpoint{std::move(id), endpoint, max_in_flight}).get();
}

expected<void> route_at(scoped_actor& self, const k2k::broker& b, std::string destination,
                        std::string next_hop) {
  return self->request(b, 5s, k2k::add_route{std::move(destination), std::move(next_hop)}).get();
}

expected<k2k::receipt> lookup(scoped_actor& self, const k2k::broker& b, k2k::envelope_id id) {
  return self->request(b, 5s, k2k::lookup_receipt{id}).get();
}

} // namespace

TEST_SUITE_BEGIN("k2k");

// -- direct delivery ------------------------------------------------------------------

TEST_CASE("a message to a registered endpoint is delivered and the sender gets a receipt") {
  actor_system sys{test_config()};
  auto b = k2k::spawn_broker(sys);
  scoped_actor self{sys};
  scoped_actor obs{sys};
  auto ep = sys.spawn(k2k_test::recorder, std::string{"k1"}, obs.as_actor());
  REQUIRE(register_at(self, b, "k1", ep));
  auto r = self->request(b, 10s, k2k::make_send("k1", ping{7})).get();
  REQUIRE(r.has_value());
  CHECK(r->status == delivery_status::delivered);
  CHECK(r->destination == "k1");
  CHECK(r->hops == 0);
  CHECK_FALSE(r->reason);
  CHECK(r->ok());
  // The envelope was stamped on arrival; the receipt when delivery was confirmed.
  CHECK(r->id.physical > 0);
  CHECK(r->stamp > r->id);
  auto g = collect(obs, 1);
  REQUIRE(g.size() == 1);
  CHECK(g[0].endpoint == "k1");
  CHECK(g[0].value == 7);
  auto kept = lookup(self, b, r->id);
  REQUIRE(kept.has_value());
  CHECK(kept->status == delivery_status::delivered);
  CHECK(kept->id == r->id);
}

TEST_CASE("successive sends get increasing message ids from the broker's clock") {
  actor_system sys{test_config()};
  auto clock = std::make_shared<k2k::hybrid_clock>(42);
  auto b = k2k::spawn_broker(sys, {.clock = clock});
  scoped_actor self{sys};
  scoped_actor obs{sys};
  auto ep = sys.spawn(k2k_test::recorder, std::string{"k1"}, obs.as_actor());
  REQUIRE(register_at(self, b, "k1", ep));
  k2k::envelope_id last{};
  for (int i = 0; i < 50; ++i) {
    auto r = self->request(b, 10s, k2k::make_send("k1", ping{i})).get();
    REQUIRE(r.has_value());
    CHECK(r->id.node == 42);
    CHECK(r->id > last);
    last = r->id;
  }
  CHECK(clock->peek() >= last);
}

TEST_CASE("a message to an unknown kernel id yields not_found") {
  actor_system sys{test_config()};
  auto b = k2k::spawn_broker(sys);
  scoped_actor self{sys};
  auto r = self->request(b, 10s, k2k::make_send("nobody", ping{1})).get();
  REQUIRE(r.has_value());
  CHECK(r->status == delivery_status::not_found);
  CHECK(r->reason == k2k::errc::unknown_endpoint);
  CHECK(r->reason.context().find("nobody") != std::string_view::npos);
  // A route whose next hop is not registered ends the same way.
  REQUIRE(route_at(self, b, "far", "missing-broker"));
  auto r2 = self->request(b, 10s, k2k::make_send("far", ping{2})).get();
  REQUIRE(r2.has_value());
  CHECK(r2->status == delivery_status::not_found);
  CHECK(r2->reason.context().find("missing-broker") != std::string_view::npos);
  auto st = stats_of(self, b);
  CHECK(st.dropped.not_found == 2);
  CHECK(st.delivered == 0);
}

TEST_CASE("an endpoint that refuses a message yields rejected with its error") {
  actor_system sys{test_config()};
  auto b = k2k::spawn_broker(sys);
  scoped_actor self{sys};
  // No handler for ping at all.
  auto deaf = sys.spawn([]() -> behavior { return {[](int) {}}; });
  // A handler that answers with an error.
  auto grumpy = sys.spawn([]() -> behavior {
    return {[](ping) -> result<void> { return error{sec::invalid_argument, "no pings today"}; }};
  });
  REQUIRE(register_at(self, b, "deaf", deaf));
  REQUIRE(register_at(self, b, "grumpy", grumpy));
  auto r1 = self->request(b, 10s, k2k::make_send("deaf", ping{1})).get();
  REQUIRE(r1.has_value());
  CHECK(r1->status == delivery_status::rejected);
  CHECK(r1->reason == sec::unexpected_message);
  auto r2 = self->request(b, 10s, k2k::make_send("grumpy", ping{1})).get();
  REQUIRE(r2.has_value());
  CHECK(r2->status == delivery_status::rejected);
  CHECK(r2->reason == sec::invalid_argument);
  CHECK(stats_of(self, b).dropped.rejected == 2);
}

// -- backpressure -----------------------------------------------------------------------

TEST_CASE("a full endpoint queue yields queue_full while earlier messages wait") {
  actor_system sys{test_config()};
  auto b = k2k::spawn_broker(sys, {.queue_capacity = 2});
  scoped_actor self{sys};
  scoped_actor obs{sys};
  auto ep = sys.spawn(k2k_test::holder, std::string{"slow"}, obs.as_actor());
  REQUIRE(register_at(self, b, "slow", ep, 1));
  auto h1 = self->request(b, 10s, k2k::make_send("slow", ping{1})); // in flight, held
  auto h2 = self->request(b, 10s, k2k::make_send("slow", ping{2})); // queued
  auto h3 = self->request(b, 10s, k2k::make_send("slow", ping{3})); // queued
  auto h4 = self->request(b, 10s, k2k::make_send("slow", ping{4})); // no room
  auto r4 = h4.get();
  REQUIRE(r4.has_value());
  CHECK(r4->status == delivery_status::queue_full);
  CHECK(r4->reason == sec::queue_full);
  auto st = stats_of(self, b);
  auto slow = st.endpoint("slow");
  REQUIRE(slow != nullptr);
  CHECK(slow->queue_depth == 2);
  CHECK(slow->in_flight == 1);
  CHECK(slow->max_in_flight == 1);
  CHECK(st.dropped.queue_full == 1);
  self->send(ep, release{});
  for (auto* h : {&h1, &h2, &h3}) {
    auto r = h->get();
    REQUIRE(r.has_value());
    CHECK(r->status == delivery_status::delivered);
  }
  CHECK(values_of(collect(obs, 3)) == std::vector<int>{1, 2, 3});
  auto after = stats_of(self, b);
  CHECK(after.delivered == 3);
  CHECK(after.endpoint("slow")->queue_depth == 0);
  CHECK(after.endpoint("slow")->in_flight == 0);
  CHECK(after.endpoint("slow")->delivered == 3);
}

TEST_CASE("queued messages go out by priority, first in first out within a priority") {
  actor_system sys{test_config()};
  auto b = k2k::spawn_broker(sys);
  scoped_actor self{sys};
  scoped_actor obs{sys};
  auto ep = sys.spawn(k2k_test::holder, std::string{"k"}, obs.as_actor());
  REQUIRE(register_at(self, b, "k", ep, 1));
  using k2k::priority;
  struct send_spec {
    int value;
    priority prio;
  };
  std::vector<send_spec> specs{
    {0, priority::normal}, // goes in flight at once, before the others arrive
    {1, priority{1}},      {2, priority{5}}, {3, priority{3}},        {4, priority{5}},
    {5, priority{1}},      {6, priority{9}}, {7, priority::critical}, {8, priority::low},
  };
  std::vector<blocking_response_handle<k2k::receipt>> handles;
  for (auto& s : specs)
    handles.push_back(self->request(b, 10s, k2k::make_send("k", ping{s.value}, s.prio)));
  // All of them are queued (get_stats is handled after them) before the
  // endpoint confirms anything.
  CHECK(stats_of(self, b).endpoint("k")->queue_depth == specs.size() - 1);
  self->send(ep, release{});
  for (auto& h : handles) {
    auto r = h.get();
    REQUIRE(r.has_value());
    CHECK(r->status == delivery_status::delivered);
  }
  CHECK(values_of(collect(obs, specs.size())) == std::vector<int>{0, 7, 6, 2, 4, 3, 1, 5, 8});
}

TEST_CASE("a message not confirmed within the delivery timeout yields timeout") {
  actor_system sys{test_config()};
  auto b = k2k::spawn_broker(sys, {.delivery_timeout = 200ms});
  scoped_actor self{sys};
  scoped_actor obs{sys};
  auto ep = sys.spawn(k2k_test::holder, std::string{"stuck"}, obs.as_actor()); // never released
  REQUIRE(register_at(self, b, "stuck", ep, 1));
  auto h1 = self->request(b, 10s, k2k::make_send("stuck", ping{1}));
  auto h2 = self->request(b, 10s, k2k::make_send("stuck", ping{2}));
  for (auto* h : {&h1, &h2}) {
    auto r = h->get();
    REQUIRE(r.has_value());
    CHECK(r->status == delivery_status::timeout);
  }
  auto st = stats_of(self, b);
  CHECK(st.dropped.timeout == 2);
  CHECK(st.queued == 0);
}

TEST_CASE("a broker whose delivery timeout is infinite delivers and never times out") {
  // `infinite` (timespan::max()) is how the runtime spells "no timeout"; a
  // deadline of now + infinite must not wrap around into the past.
  actor_system sys{test_config()};
  auto b = k2k::spawn_broker(sys, {.max_in_flight = 1, .delivery_timeout = infinite});
  scoped_actor self{sys};
  scoped_actor obs{sys};
  auto ep = sys.spawn(k2k_test::holder, std::string{"k"}, obs.as_actor());
  REQUIRE(register_at(self, b, "k", ep));
  // One in flight, one queued (it waits for an in-flight slot); the broker
  // takes our messages in order, so the statistics come after both sends.
  auto h1 = self->request(b, 10s, k2k::make_send("k", ping{1}));
  auto h2 = self->request(b, 10s, k2k::make_send("k", ping{2}));
  auto st = stats_of(self, b);
  CHECK(st.in_flight == 1);
  CHECK(st.queued == 1);
  self->send(ep, release{});
  for (auto* h : {&h1, &h2}) {
    auto r = h->get();
    REQUIRE(r.has_value());
    CHECK(r->status == delivery_status::delivered);
  }
  CHECK(values_of(collect(obs, 2)) == std::vector<int>{1, 2});
  CHECK(stats_of(self, b).dropped.timeout == 0);
}

TEST_CASE("a queued message whose deadline passes gets timeout without waiting for a slot") {
  // The slot of "k" at b2 is held by a message that came from b1, whose
  // delivery timeout is long; a message sent to b2 directly has a short one
  // and waits behind it. b2's expiry timer answers it.
  actor_system sys{test_config()};
  auto b1 = k2k::spawn_broker(sys, {.delivery_timeout = 30s});
  auto b2 = k2k::spawn_broker(sys, {.delivery_timeout = 100ms});
  scoped_actor self{sys};
  scoped_actor obs{sys};
  auto ep = sys.spawn(k2k_test::holder, std::string{"k"}, obs.as_actor());
  REQUIRE(register_at(self, b2, "k", ep, 1));
  REQUIRE(register_at(self, b1, "b2", actor{b2.ctrl()}));
  REQUIRE(route_at(self, b1, "k", "b2"));
  auto long_lived = self->request(b1, 60s, k2k::make_send("k", ping{1}));
  // Wait until b2 handed the first message to the endpoint.
  REQUIRE(eventually([&] { return stats_of(self, b2).in_flight == 1; }));
  auto start = std::chrono::steady_clock::now();
  auto r = self->request(b2, 10s, k2k::make_send("k", ping{2})).get();
  auto waited = std::chrono::steady_clock::now() - start;
  REQUIRE(r.has_value());
  CHECK(r->status == delivery_status::timeout);
  CHECK(waited < 5s); // far less than the 30 s the slot stays taken
  self->send(ep, release{});
  auto r1 = long_lived.get();
  REQUIRE(r1.has_value());
  CHECK(r1->status == delivery_status::delivered);
  CHECK(r1->hops == 1);
}

// -- routing ----------------------------------------------------------------------------

TEST_CASE("a message crosses three brokers along their routes") {
  actor_system sys{test_config()};
  auto b1 = k2k::spawn_broker(sys, {.clock = std::make_shared<k2k::hybrid_clock>(1)});
  auto b2 = k2k::spawn_broker(sys, {.clock = std::make_shared<k2k::hybrid_clock>(2)});
  auto b3 = k2k::spawn_broker(sys, {.clock = std::make_shared<k2k::hybrid_clock>(3)});
  scoped_actor self{sys};
  scoped_actor obs{sys};
  auto ep = sys.spawn(k2k_test::recorder, std::string{"gpu3"}, obs.as_actor());
  REQUIRE(register_at(self, b3, "gpu3", ep));
  REQUIRE(register_at(self, b1, "b2", actor{b2.ctrl()}));
  REQUIRE(register_at(self, b2, "b3", actor{b3.ctrl()}));
  REQUIRE(route_at(self, b1, "gpu3", "b2"));
  REQUIRE(route_at(self, b2, "gpu3", "b3"));
  auto r = self->request(b1, 10s, k2k::make_send("gpu3", ping{33})).get();
  REQUIRE(r.has_value());
  CHECK(r->status == delivery_status::delivered);
  CHECK(r->hops == 2);
  CHECK(r->id.node == 1);    // stamped by the broker that accepted it
  CHECK(r->stamp.node == 3); // decided by the last one
  CHECK(r->stamp > r->id);   // the receive rule kept causality across clocks
  auto g = collect(obs, 1);
  REQUIRE(g.size() == 1);
  CHECK(g[0].value == 33);
  // Each broker kept its part: b1 and b2 forwarded, b3 delivered. A forward
  // is recorded when the next hop acknowledged it, which may come after the
  // final receipt: wait for it with a bound.
  auto forwarded_at = [&](const k2k::broker& b, const char* next) {
    return eventually([&] {
      auto x = lookup(self, b, r->id);
      return x && x->status == delivery_status::forwarded && x->next_hop == next;
    });
  };
  CHECK(forwarded_at(b1, "b2"));
  CHECK(forwarded_at(b2, "b3"));
  auto at3 = lookup(self, b3, r->id);
  REQUIRE(at3.has_value());
  CHECK(at3->status == delivery_status::delivered);
  CHECK(stats_of(self, b1).forwarded == 1);
  CHECK(stats_of(self, b2).forwarded == 1);
  CHECK(stats_of(self, b3).delivered == 1);
  CHECK(stats_of(self, b1).endpoint("b2")->forwarded == 1);
}

TEST_CASE("a first-hop receipt says forwarded and the final one is kept where it was decided") {
  actor_system sys{test_config()};
  auto b1 = k2k::spawn_broker(sys);
  auto b2 = k2k::spawn_broker(sys);
  scoped_actor self{sys};
  scoped_actor obs{sys};
  auto ep = sys.spawn(k2k_test::recorder, std::string{"k"}, obs.as_actor());
  REQUIRE(register_at(self, b2, "k", ep));
  REQUIRE(register_at(self, b1, "b2", actor{b2.ctrl()}));
  REQUIRE(route_at(self, b1, "k", "b2"));
  auto r = self
             ->request(b1, 10s,
                       k2k::make_send("k", ping{5}, k2k::priority::normal,
                                      k2k::receipt_policy::first_hop))
             .get();
  REQUIRE(r.has_value());
  CHECK(r->status == delivery_status::forwarded);
  CHECK(r->next_hop == "b2");
  CHECK(r->hops == 1);
  // The endpoint got it; then b2 has the final receipt.
  REQUIRE(collect(obs, 1).size() == 1);
  CHECK(eventually([&] {
    auto x = lookup(self, b2, r->id);
    return x && x->status == delivery_status::delivered;
  }));
}

TEST_CASE("a routing loop ends in max_hops_exceeded") {
  actor_system sys{test_config()};
  auto a = k2k::spawn_broker(sys);
  auto b = k2k::spawn_broker(sys);
  scoped_actor self{sys};
  REQUIRE(register_at(self, a, "B", actor{b.ctrl()}));
  REQUIRE(register_at(self, b, "A", actor{a.ctrl()}));
  REQUIRE(route_at(self, a, "lost", "B"));
  REQUIRE(route_at(self, b, "lost", "A"));
  auto r = self->request(a, 10s, k2k::make_send("lost", ping{1})).get();
  REQUIRE(r.has_value());
  CHECK(r->status == delivery_status::max_hops_exceeded);
  CHECK(r->reason == k2k::errc::max_hops_exceeded);
  CHECK(r->hops == 8);
  auto sa = stats_of(self, a);
  auto sb = stats_of(self, b);
  CHECK(sa.dropped.max_hops_exceeded + sb.dropped.max_hops_exceeded == 1);
  // Eight forwards were made; a forward counts once acknowledged, which may
  // come after the receipt.
  CHECK(eventually([&] { return stats_of(self, a).forwarded + stats_of(self, b).forwarded == 8; }));
}

TEST_CASE("a broker routing to itself ends in max_hops_exceeded under its own limit") {
  actor_system sys{test_config()};
  auto a = k2k::spawn_broker(sys, {.max_hops = 3});
  scoped_actor self{sys};
  REQUIRE(register_at(self, a, "me", actor{a.ctrl()}));
  REQUIRE(route_at(self, a, "x", "me"));
  auto r = self->request(a, 10s, k2k::make_send("x", ping{1})).get();
  REQUIRE(r.has_value());
  CHECK(r->status == delivery_status::max_hops_exceeded);
  CHECK(r->reason == k2k::errc::max_hops_exceeded);
  CHECK(r->reason.context().find("limit is 3") != std::string_view::npos);
  CHECK(r->hops == 3);
  // Clean up the self-reference so that the broker can end.
  REQUIRE(self->request(a, 5s, k2k::unregister_endpoint{"me"}).get());
}

TEST_CASE("routes can be removed and replaced") {
  actor_system sys{test_config()};
  auto b = k2k::spawn_broker(sys);
  scoped_actor self{sys};
  REQUIRE(route_at(self, b, "x", "hop1"));
  REQUIRE(route_at(self, b, "x", "hop2")); // replaces
  CHECK(stats_of(self, b).routes == 1);
  auto r = self->request(b, 10s, k2k::make_send("x", ping{1})).get();
  REQUIRE(r.has_value());
  CHECK(r->reason.context().find("hop2") != std::string_view::npos);
  CHECK(self->request(b, 5s, k2k::remove_route{"x"}).get());
  auto again = self->request(b, 5s, k2k::remove_route{"x"}).get();
  REQUIRE(!again);
  CHECK(again.error() == k2k::errc::unknown_route);
  CHECK(stats_of(self, b).routes == 0);
}

// -- endpoints coming and going ---------------------------------------------------------

TEST_CASE("unregistering an endpoint with messages in flight gives every message a receipt") {
  actor_system sys{test_config()};
  auto b = k2k::spawn_broker(sys);
  scoped_actor self{sys};
  scoped_actor obs{sys};
  auto ep = sys.spawn(k2k_test::holder, std::string{"k"}, obs.as_actor());
  REQUIRE(register_at(self, b, "k", ep, 2));
  std::vector<blocking_response_handle<k2k::receipt>> handles;
  for (int i = 0; i < 5; ++i)
    handles.push_back(self->request(b, 10s, k2k::make_send("k", ping{i})));
  auto before = stats_of(self, b);
  CHECK(before.endpoint("k")->in_flight == 2);
  CHECK(before.endpoint("k")->queue_depth == 3);
  REQUIRE(self->request(b, 5s, k2k::unregister_endpoint{"k"}).get());
  // The three queued messages are answered at once...
  for (std::size_t i = 2; i < 5; ++i) {
    auto r = handles[i].get();
    REQUIRE(r.has_value());
    CHECK(r->status == delivery_status::not_found);
    CHECK(r->reason.context().find("unregistered") != std::string_view::npos);
  }
  auto mid = stats_of(self, b);
  CHECK(mid.registered_endpoints == 0);
  CHECK(mid.dropped.not_found == 3);
  CHECK(mid.in_flight == 0); // no endpoint holds them any more...
  // ...and the two in flight when the endpoint confirms them.
  self->send(ep, release{});
  for (std::size_t i = 0; i < 2; ++i) {
    auto r = handles[i].get();
    REQUIRE(r.has_value());
    CHECK(r->status == delivery_status::delivered);
  }
  CHECK(values_of(collect(obs, 2)) == std::vector<int>{0, 1});
  CHECK(stats_of(self, b).delivered == 2);
}

TEST_CASE("an endpoint that exits is unregistered and its messages get receipts") {
  actor_system sys{test_config()};
  auto b = k2k::spawn_broker(sys);
  scoped_actor self{sys};
  scoped_actor obs{sys};
  auto ep = sys.spawn(k2k_test::holder, std::string{"k"}, obs.as_actor());
  REQUIRE(register_at(self, b, "k", ep, 2));
  std::vector<blocking_response_handle<k2k::receipt>> handles;
  for (int i = 0; i < 5; ++i)
    handles.push_back(self->request(b, 10s, k2k::make_send("k", ping{i})));
  CHECK(stats_of(self, b).endpoint("k")->in_flight == 2);
  self->send_exit(ep, exit_reason::kill);
  for (auto& h : handles) {
    auto r = h.get();
    REQUIRE(r.has_value());
    // Held ones die with the endpoint (dead_receiver), queued ones find it gone.
    CHECK(r->status == delivery_status::not_found);
  }
  CHECK(eventually([&] { return stats_of(self, b).registered_endpoints == 0; }));
  auto r = self->request(b, 10s, k2k::make_send("k", ping{9})).get();
  REQUIRE(r.has_value());
  CHECK(r->status == delivery_status::not_found);
}

TEST_CASE("a broker that exits answers every message it holds") {
  actor_system sys{test_config()};
  auto b = k2k::spawn_broker(sys);
  scoped_actor self{sys};
  scoped_actor obs{sys};
  auto ep = sys.spawn(k2k_test::holder, std::string{"k"}, obs.as_actor());
  REQUIRE(register_at(self, b, "k", ep, 1));
  auto h1 = self->request(b, 10s, k2k::make_send("k", ping{1}));
  auto h2 = self->request(b, 10s, k2k::make_send("k", ping{2}));
  auto h3 = self->request(b, 10s, k2k::make_send("k", ping{3}));
  CHECK(stats_of(self, b).queued == 2);
  self->send_exit(b, exit_reason::kill);
  auto r1 = h1.get();
  REQUIRE(r1.has_value());
  CHECK(r1->status == delivery_status::timeout); // its fate at the endpoint is unknown
  for (auto* h : {&h2, &h3}) {
    auto r = h->get();
    REQUIRE(r.has_value());
    CHECK(r->status == delivery_status::not_found);
    CHECK(r->reason == sec::dead_receiver);
  }
}

TEST_CASE("control messages report misuse with k2k error codes") {
  actor_system sys{test_config()};
  auto b = k2k::spawn_broker(sys);
  scoped_actor self{sys};
  auto ep = sys.spawn([]() -> behavior { return {[](ping) {}}; });
  REQUIRE(register_at(self, b, "k", ep));
  auto dup = register_at(self, b, "k", ep);
  REQUIRE(!dup);
  CHECK(dup.error() == k2k::errc::duplicate_endpoint);
  auto null = register_at(self, b, "null", actor{});
  REQUIRE(!null);
  CHECK(null.error() == k2k::errc::invalid_endpoint);
  auto unknown = self->request(b, 5s, k2k::unregister_endpoint{"nope"}).get();
  REQUIRE(!unknown);
  CHECK(unknown.error() == k2k::errc::unknown_endpoint);
  auto no_receipt = lookup(self, b, k2k::envelope_id{1, 2, 3});
  REQUIRE(!no_receipt);
  CHECK(no_receipt.error() == k2k::errc::unknown_receipt);
  // One actor may serve under several kernel ids.
  CHECK(register_at(self, b, "k-alias", ep));
  CHECK(stats_of(self, b).registered_endpoints == 2);
}

TEST_CASE("an envelope without a message or of an unregistered type is refused with an error") {
  // Envelopes are part of the broker's interface: any actor may send one, so
  // the broker checks them as it checks sends.
  struct not_routable_here {
    int x;
  };
  actor_system sys{test_config()};
  auto b = k2k::spawn_broker(sys);
  scoped_actor self{sys};
  scoped_actor obs{sys};
  auto ep = sys.spawn(k2k_test::recorder, std::string{"k"}, obs.as_actor());
  REQUIRE(register_at(self, b, "k", ep));
  auto make_envelope = [](k2k::dynamic_message m) {
    k2k::envelope env;
    env.destination = "k";
    env.deadline = std::chrono::steady_clock::now() + 10s;
    env.message = std::move(m);
    return env;
  };
  auto empty = self->request(b, 5s, make_envelope({})).get();
  REQUIRE(!empty);
  CHECK(empty.error() == k2k::errc::empty_message);
  auto untyped = self
                   ->request(b, 5s, make_envelope(k2k::dynamic_message::from(not_routable_here{1})))
                   .get();
  REQUIRE(!untyped);
  CHECK(untyped.error() == k2k::errc::unregistered_type);
  // The broker is still there, delivered nothing and counts both refusals.
  auto st = stats_of(self, b);
  CHECK(st.refused_sends == 2);
  CHECK(st.accepted == 0);
  CHECK(st.delivered == 0);
  CHECK(st.endpoint("k")->in_flight == 0);
  // A well-formed envelope is routed as before.
  auto fine = self->request(b, 5s, make_envelope(k2k::dynamic_message::from(ping{4}))).get();
  CHECK(fine.has_value());
  auto g = collect(obs, 1);
  REQUIRE(g.size() == 1);
  CHECK(g[0].value == 4);
}

TEST_CASE("a broker configuration that could never deliver is refused") {
  actor_system sys{test_config()};
  CHECK_THROWS_AS(k2k::spawn_broker(sys, {.max_in_flight = 0}), std::invalid_argument);
  CHECK_THROWS_AS(k2k::spawn_broker(sys, {.delivery_timeout = 0s}), std::invalid_argument);
}

TEST_CASE("a device channel capacity above max_device_channel_capacity is refused at spawn") {
  actor_system sys{test_config()};
  constexpr auto max = k2k::max_device_channel_capacity;
  for (std::uint32_t too_large : {max * 2, std::uint32_t{1} << 31}) {
    CAPTURE(too_large);
    try {
      (void) k2k::spawn_broker(sys, {.device_channel_capacity = too_large});
      FAIL_CHECK("spawn_broker accepted a device_channel_capacity of ", too_large);
    } catch (const std::invalid_argument& e) {
      // The message names the limit, so that the user knows what fits.
      CHECK_MESSAGE(std::string_view{e.what()}.find(std::to_string(max)) != std::string_view::npos,
                    e.what());
    }
  }
  // The maximum itself is a valid capacity.
  scoped_actor self{sys};
  auto b = k2k::spawn_broker(sys, {.device_channel_capacity = max});
  auto ep = sys.spawn([]() -> behavior { return {[](ping) {}}; });
  CHECK(register_at(self, b, "k", ep));
}

TEST_CASE("a registration whose channel capacity is above the maximum is refused with an error") {
  actor_system sys{test_config()};
  auto b = k2k::spawn_broker(sys);
  scoped_actor self{sys};
  auto ep = sys.spawn([]() -> behavior { return {[](ping) {}}; });
  constexpr auto max = k2k::max_device_channel_capacity;
  for (std::uint32_t too_large : {max * 2, std::uint32_t{1} << 31}) {
    CAPTURE(too_large);
    k2k::register_endpoint reg{"k", ep};
    reg.channel_capacity = too_large;
    auto r = self->request(b, 5s, reg).get();
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == k2k::errc::invalid_endpoint);
    CHECK_MESSAGE(r.error().context().find(std::to_string(max)) != std::string_view::npos,
                  to_string(r.error()));
  }
  // Nothing was registered: the same id registers with the maximum.
  CHECK(stats_of(self, b).registered_endpoints == 0);
  k2k::register_endpoint reg{"k", ep};
  reg.channel_capacity = max;
  CHECK(self->request(b, 5s, reg).get().has_value());
  CHECK(stats_of(self, b).registered_endpoints == 1);
}

// -- receipts and statistics --------------------------------------------------------------

TEST_CASE("receipts are retained up to the configured count, the oldest evicted first") {
  actor_system sys{test_config()};
  auto b = k2k::spawn_broker(sys, {.receipt_retention = 3});
  scoped_actor self{sys};
  std::vector<k2k::envelope_id> ids;
  for (int i = 0; i < 5; ++i) {
    auto r = self->request(b, 10s, k2k::make_send("nobody", ping{i})).get();
    REQUIRE(r.has_value());
    ids.push_back(r->id);
  }
  CHECK(!lookup(self, b, ids[0]));
  CHECK(!lookup(self, b, ids[1]));
  for (std::size_t i = 2; i < 5; ++i) {
    auto r = lookup(self, b, ids[i]);
    REQUIRE(r.has_value());
    CHECK(r->status == delivery_status::not_found);
  }
  CHECK(stats_of(self, b).retained_receipts == 3);
}

TEST_CASE("statistics count endpoints, deliveries, drops by reason and queue depths") {
  actor_system sys{test_config()};
  auto b = k2k::spawn_broker(sys, {.queue_capacity = 3});
  scoped_actor self{sys};
  scoped_actor obs{sys};
  auto fast = sys.spawn(k2k_test::recorder, std::string{"fast"}, obs.as_actor());
  auto slow = sys.spawn(k2k_test::holder, std::string{"slow"}, obs.as_actor());
  REQUIRE(register_at(self, b, "fast", fast));
  REQUIRE(register_at(self, b, "slow", slow, 1));
  REQUIRE(route_at(self, b, "elsewhere", "nowhere"));
  auto empty = stats_of(self, b);
  CHECK(empty.registered_endpoints == 2);
  CHECK(empty.routes == 1);
  CHECK(empty.accepted == 0);
  CHECK(empty.dropped.total() == 0);
  for (int i = 0; i < 4; ++i)
    REQUIRE(self->request(b, 10s, k2k::make_send("fast", ping{i})).get()->status
            == delivery_status::delivered);
  std::vector<blocking_response_handle<k2k::receipt>> slow_sends;
  for (int i = 0; i < 6; ++i) // 1 in flight, 3 queued, 2 refused
    slow_sends.push_back(self->request(b, 10s, k2k::make_send("slow", ping{i})));
  CHECK(self->request(b, 10s, k2k::make_send("ghost", ping{0})).get()->status
        == delivery_status::not_found);
  auto st = stats_of(self, b);
  CHECK(st.registered_endpoints == 2);
  CHECK(st.accepted == 11);
  CHECK(st.delivered == 4);
  CHECK(st.forwarded == 0);
  CHECK(st.dropped.not_found == 1);
  CHECK(st.dropped.queue_full == 2);
  CHECK(st.dropped.timeout == 0);
  CHECK(st.dropped.max_hops_exceeded == 0);
  CHECK(st.dropped.total() == 3);
  CHECK(st.queued == 3);
  CHECK(st.in_flight == 1);
  CHECK(st.retained_receipts == 7);
  REQUIRE(st.endpoints.size() == 2);
  CHECK(st.endpoints[0].kernel_id == "fast"); // sorted by kernel id
  CHECK(st.endpoints[0].delivered == 4);
  CHECK(st.endpoints[0].queue_depth == 0);
  CHECK(st.endpoints[1].kernel_id == "slow");
  CHECK(st.endpoints[1].queue_depth == 3);
  CHECK(st.endpoints[1].in_flight == 1);
  self->send(slow, release{});
  for (auto& h : slow_sends)
    CHECK(h.get().has_value());
  auto end = stats_of(self, b);
  CHECK(end.delivered == 8);
  CHECK(end.queued == 0);
  CHECK(end.in_flight == 0);
  CHECK(end.endpoint("slow")->delivered == 4);
}

TEST_CASE("concurrent senders get exactly one receipt per message") {
  constexpr int senders = 4;
  constexpr int per_sender = 1000;
  actor_system sys{test_config()};
  auto b = k2k::spawn_broker(sys, {.queue_capacity = 32, .max_in_flight = 2});
  auto received = std::make_shared<std::atomic<int>>(0);
  auto ep = sys.spawn([received]() -> behavior {
    return {[received](ping) { received->fetch_add(1, std::memory_order_relaxed); }};
  });
  {
    scoped_actor self{sys};
    REQUIRE(register_at(self, b, "k", ep));
  }
  std::atomic<int> delivered{0};
  std::atomic<int> queue_full{0};
  std::atomic<int> other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < senders; ++t)
    threads.emplace_back([&, t] {
      scoped_actor self{sys};
      std::vector<blocking_response_handle<k2k::receipt>> handles;
      for (int i = 0; i < per_sender; ++i)
        handles.push_back(self->request(b, 30s, k2k::make_send("k", ping{t * per_sender + i})));
      for (auto& h : handles) {
        auto r = h.get();
        if (r && r->status == delivery_status::delivered)
          ++delivered;
        else if (r && r->status == delivery_status::queue_full)
          ++queue_full;
        else
          ++other;
      }
    });
  for (auto& t : threads)
    t.join();
  CHECK(other.load() == 0);
  CHECK(delivered.load() + queue_full.load() == senders * per_sender);
  CHECK(received->load() == delivered.load());
  scoped_actor self{sys};
  auto st = stats_of(self, b);
  CHECK(st.accepted == static_cast<std::uint64_t>(senders * per_sender));
  CHECK(st.delivered == static_cast<std::uint64_t>(delivered.load()));
  CHECK(st.dropped.queue_full == static_cast<std::uint64_t>(queue_full.load()));
  CHECK(st.queued == 0);
  CHECK(st.in_flight == 0);
}

TEST_SUITE_END();
