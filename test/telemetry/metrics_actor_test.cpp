#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include <ringactor/all.hpp>

#include "metrics_test_util.hpp"
#include "test_util.hpp"

using namespace ringactor;
using namespace std::chrono_literals;
using metrics_test::histogram_of;
using metrics_test::value_of;
using test_util::eventually;

namespace {

struct block_on_gate {};

behavior named_echo(event_based_actor* self, std::string name) {
  self->set_name(std::move(name));
  return {[](int x) { return x; }};
}

} // namespace

TEST_SUITE_BEGIN("telemetry");

TEST_CASE("per-actor metrics appear only for included names and count every handled message"
          * doctest::skip(RINGACTOR_RUNTIME_METRICS == 0)) {
  actor_system sys{
    actor_system_config{}.set_workers(2).set_actor_metrics_includes({"worker*", "counter"})};
  auto w = sys.spawn(named_echo, std::string{"worker-1"});
  auto c = sys.spawn(named_echo, std::string{"counter"});
  auto o = sys.spawn(named_echo, std::string{"other"});
  scoped_actor self{sys};
  for (int i = 0; i < 10; ++i)
    REQUIRE(self->request(w, 5s, i).get<int>());
  for (int i = 0; i < 3; ++i)
    REQUIRE(self->request(c, 5s, i).get<int>());
  for (int i = 0; i < 5; ++i)
    REQUIRE(self->request(o, 5s, i).get<int>());
  auto& reg = sys.metrics();
  auto snap = reg.collect();
  for (auto name : {"ringactor_actor_mailbox_time_seconds",
                    "ringactor_actor_processing_time_seconds", "ringactor_actor_mailbox_size"}) {
    auto f = snap.find(name);
    REQUIRE_MESSAGE(f != nullptr, name);
    CHECK(f->label_names == std::vector<std::string>{"name"});
    CHECK_MESSAGE(f->find({"worker-1"}) != nullptr, name);
    CHECK_MESSAGE(f->find({"counter"}) != nullptr, name);
    CHECK_MESSAGE(f->find({"other"}) == nullptr, name);
    CHECK(f->samples.size() == 2);
  }
  // A handler's time is observed when it returned, which may be just after
  // its requester got the response: wait for it.
  auto count_is = [&](const char* family, std::string_view name, uint64_t n) {
    return eventually([&] { return histogram_of(reg, family, {name})->count() == n; });
  };
  CHECK(count_is("ringactor_actor_processing_time_seconds", "worker-1", 10));
  CHECK(count_is("ringactor_actor_mailbox_time_seconds", "worker-1", 10));
  CHECK(count_is("ringactor_actor_processing_time_seconds", "counter", 3));
  CHECK(count_is("ringactor_actor_mailbox_time_seconds", "counter", 3));
  CHECK(histogram_of(reg, "ringactor_actor_processing_time_seconds", {"worker-1"})->count() == 10);
  CHECK(*value_of(reg, "ringactor_actor_mailbox_size", {"worker-1"}) == 0);
  auto h = histogram_of(reg, "ringactor_actor_processing_time_seconds", {"worker-1"});
  CHECK(h->sum >= 0);
  for (size_t i = 1; i < h->buckets.size(); ++i)
    CHECK(h->buckets[i - 1] <= h->buckets[i]);
}

TEST_CASE("actors of one name share their metrics, and no includes means no actor families"
          * doctest::skip(RINGACTOR_RUNTIME_METRICS == 0)) {
  {
    actor_system sys{actor_system_config{}.set_workers(2).set_actor_metrics_includes({"pool"})};
    auto a = sys.spawn(named_echo, std::string{"pool"});
    auto b = sys.spawn(named_echo, std::string{"pool"});
    scoped_actor self{sys};
    REQUIRE(self->request(a, 5s, 1).get<int>());
    REQUIRE(self->request(b, 5s, 2).get<int>());
    CHECK(eventually([&] {
      return histogram_of(sys.metrics(), "ringactor_actor_processing_time_seconds", {"pool"})
               ->count()
             == 2;
    }));
  }
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto a = sys.spawn(named_echo, std::string{"pool"});
  scoped_actor self{sys};
  REQUIRE(self->request(a, 5s, 1).get<int>());
  auto snap = sys.metrics().collect();
  CHECK(snap.find("ringactor_actor_processing_time_seconds") == nullptr);
  CHECK(snap.find("ringactor_actor_mailbox_size") == nullptr);
}

TEST_CASE("the mailbox size gauge counts the messages waiting for a busy actor"
          * doctest::skip(RINGACTOR_RUNTIME_METRICS == 0)) {
  actor_system sys{actor_system_config{}.set_workers(2).set_actor_metrics_includes({"busy"})};
  test_util::gate gate;
  auto a = sys.spawn([&gate](event_based_actor* self) -> behavior {
    self->set_name("busy");
    return {
      [&gate](block_on_gate) {
        gate.mark_entered();
        gate.wait();
      },
      [](int) {},
    };
  });
  auto& reg = sys.metrics();
  anon_send(a, block_on_gate{});
  REQUIRE(gate.wait_entered());
  for (int i = 0; i < 3; ++i)
    anon_send(a, i);
  CHECK(*value_of(reg, "ringactor_actor_mailbox_size", {"busy"}) == 3);
  gate.open();
  CHECK(eventually([&] { return *value_of(reg, "ringactor_actor_mailbox_size", {"busy"}) == 0; }));
  CHECK(eventually([&] {
    return histogram_of(reg, "ringactor_actor_processing_time_seconds", {"busy"})->count() == 4;
  }));
  CHECK(histogram_of(reg, "ringactor_actor_mailbox_time_seconds", {"busy"})->count() == 4);
}

TEST_CASE("messages a metered actor leaves unhandled when it exits leave the mailbox gauge"
          * doctest::skip(RINGACTOR_RUNTIME_METRICS == 0)) {
  actor_system sys{actor_system_config{}.set_workers(2).set_actor_metrics_includes({"quitter"})};
  test_util::gate gate;
  auto a = sys.spawn([&gate](event_based_actor* self) -> behavior {
    self->set_name("quitter");
    return {
      [&gate, self](block_on_gate) {
        gate.mark_entered();
        gate.wait();
        self->quit();
      },
      [](int) {},
    };
  });
  scoped_actor self{sys};
  self->monitor(a);
  anon_send(a, block_on_gate{});
  REQUIRE(gate.wait_entered());
  for (int i = 0; i < 3; ++i)
    anon_send(a, i);
  CHECK(*value_of(sys.metrics(), "ringactor_actor_mailbox_size", {"quitter"}) == 3);
  gate.open();
  REQUIRE(self->receive_for(5s, [](down_msg&) {}));
  CHECK(*value_of(sys.metrics(), "ringactor_actor_mailbox_size", {"quitter"}) == 0);
}

TEST_SUITE_END();
