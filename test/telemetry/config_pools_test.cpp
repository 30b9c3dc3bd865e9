// Pools and brokers from a configuration, and pools built by registered
// name (pool_factory_registry).
#include <doctest/doctest.h>

#include <chrono>

#include <ringactor/all.hpp>
#include <ringactor/telemetry/config_loader.hpp>
#include <ringactor/telemetry/pool_factory_registry.hpp>

#include "config_test_util.hpp"

using namespace ringactor;
using namespace ringactor::telemetry;
using namespace std::chrono_literals;

namespace {

struct twice {
  int value;
};
using doubler = typed_actor<result<int>(twice)>;

doubler::behavior_type doubler_impl(doubler::pointer) {
  return {[](twice m) { return 2 * m.value; }};
}

pool_factory_registry make_registry() {
  pool_factory_registry reg;
  reg.add_actor("doubler", [](actor_system& sys, const pool_spec& spec) -> expected<actor> {
    return actor_cast<actor>(
      sys.spawn(spec.to_pool<doubler>([](actor_system& s) { return s.spawn(doubler_impl); })));
  });
  return reg;
}

} // namespace

TEST_SUITE("telemetry") {

  TEST_CASE("a [pools.<name>] table becomes a pool spec that inherits [supervision]'s strategy") {
    test::temp_file f{R"(
[supervision]
strategy = "one_for_all"
max_restarts = 7
within = "30s"

[pools.db]
kernel = "adder"
size = 4
dispatch = "consistent_hash"
idempotent = true

[pools.web]
actor = "handler"
strategy = "rest_for_one"
max_restarts = 1
queue_timeout = "250ms"
)"};
    auto cfg = load_config(f.path());
    REQUIRE_MESSAGE(cfg, cfg.errors().to_string());
    REQUIRE(cfg->pools.size() == 2);
    const auto& db = cfg->pools[0];
    CHECK(db.name == "db");
    CHECK(db.kind == worker_kind::kernel);
    CHECK(db.type_name == "adder");
    CHECK(db.size == 4);
    CHECK(db.idempotent);
    CHECK(std::holds_alternative<supervision::consistent_hash>(db.dispatch));
    auto db_strategy = std::get_if<supervision::one_for_all>(&db.strategy);
    REQUIRE(db_strategy != nullptr);
    CHECK(db_strategy->max_restarts == 7);
    CHECK(db_strategy->within == 30s);
    const auto& web = cfg->pools[1];
    CHECK(web.kind == worker_kind::actor);
    CHECK(web.size == 1);
    CHECK(web.queue_timeout == 250ms);
    auto web_strategy = std::get_if<supervision::rest_for_one>(&web.strategy);
    REQUIRE(web_strategy != nullptr);
    CHECK(web_strategy->max_restarts == 1);
    CHECK(web_strategy->within == 30s);
    CHECK(cfg->get<std::int64_t>("pools.web.size") == 1);
    CHECK(cfg->origin("pools.web.size") == config_origin::default_value);
  }

  TEST_CASE("a pool's max_in_flight_per_worker is read, checked and given to the pool") {
    test::temp_file f{R"(
[pools.db]
actor = "doubler"
max_in_flight_per_worker = 3

[pools.web]
actor = "doubler"
)"};
    auto cfg = load_config(f.path());
    REQUIRE_MESSAGE(cfg, cfg.errors().to_string());
    REQUIRE(cfg->pools.size() == 2);
    CHECK(cfg->pools[0].max_in_flight_per_worker == 3);
    CHECK(cfg->pools[0].to_pool<doubler>(nullptr).max_in_flight_per_worker == 3);
    CHECK(cfg->pools[1].max_in_flight_per_worker == 0); // unlimited
    test::temp_file bad{"[pools.db]\nactor = \"doubler\"\nmax_in_flight_per_worker = -1\n"};
    auto refused = load_config(bad.path());
    REQUIRE_FALSE(refused);
    auto why = refused.errors().to_string();
    INFO(why);
    CHECK(why.find("pools.db.max_in_flight_per_worker: expected integer in [0, 1048576], found -1")
          != std::string::npos);
  }

  TEST_CASE("a [brokers.<name>] table, even an empty one, configures a broker") {
    test::temp_file f{"[brokers.main]\n[brokers.edge]\nmax_hops = 3\ndelivery_timeout = \"2s\"\n"};
    auto cfg = load_config(f.path());
    REQUIRE_MESSAGE(cfg, cfg.errors().to_string());
    REQUIRE(cfg->brokers.size() == 2);
    k2k::broker_config d;
    CHECK(cfg->brokers.at("main").name == "main");
    CHECK(cfg->brokers.at("main").max_hops == d.max_hops);
    CHECK(cfg->brokers.at("edge").max_hops == 3);
    CHECK(cfg->brokers.at("edge").delivery_timeout == 2s);
    CHECK(cfg->brokers.at("edge").queue_capacity == d.queue_capacity);
  }

  TEST_CASE("pools named in a configuration are spawned by their registered factory") {
    test::temp_file f{"[pools.calc]\nactor = \"doubler\"\nsize = 3\n"};
    auto cfg = load_config(f.path());
    REQUIRE_MESSAGE(cfg, cfg.errors().to_string());
    actor_system sys{actor_system_config{}.set_workers(2)};
    auto reg = make_registry();
    auto pools = reg.spawn_all(sys, cfg->pools);
    REQUIRE_MESSAGE(pools, to_string(pools.error()));
    REQUIRE(pools->contains("calc"));
    auto calc = actor_cast<doubler>(pools->at("calc"));
    scoped_actor self{sys};
    auto r = self->request(calc, 10s, twice{21}).get();
    REQUIRE(r.has_value());
    CHECK(*r == 42);
    auto stats = self->request(pools->at("calc"), 10s, supervision::get_pool_stats{})
                   .get<supervision::pool_stats>();
    REQUIRE(stats.has_value());
  }

  TEST_CASE("a pool whose type has no registered factory is refused before any pool starts") {
    test::temp_file f{"[pools.a]\nactor = \"doubler\"\n[pools.b]\nactor = \"dubler\"\n"
                      "[pools.c]\nkernel = \"doubler\"\n"};
    auto cfg = load_config(f.path());
    REQUIRE_MESSAGE(cfg, cfg.errors().to_string());
    actor_system sys{actor_system_config{}.set_workers(1)};
    auto reg = make_registry();
    auto pools = reg.spawn_all(sys, cfg->pools);
    REQUIRE_FALSE(pools);
    CHECK(pools.error() == sec::invalid_argument);
    CHECK(pools.error().context()
          == "pool \"b\": no pool factory is registered for actor \"dubler\"; did you mean "
             "\"doubler\"?");
    auto c = reg.spawn(sys, cfg->pools[2]);
    REQUIRE_FALSE(c);
    CHECK(
      c.error().context()
      == "pool \"c\": no pool factory is registered for kernel \"doubler\" (no kernel factories "
         "are registered)");
    CHECK(sys.stats().actors_spawned == 0);
  }

  TEST_CASE("a factory registered twice is refused") {
    auto reg = make_registry();
    CHECK_THROWS_AS(reg.add_actor("doubler",
                                  [](actor_system&, const pool_spec&) -> expected<actor> {
                                    return error{sec::runtime_error};
                                  }),
                    std::invalid_argument);
    CHECK(reg.contains(worker_kind::actor, "doubler"));
    CHECK_FALSE(reg.contains(worker_kind::kernel, "doubler"));
  }

} // TEST_SUITE
