// The key schema: application keys, the help listing, durations in text,
// and the runtime keys' defaults against the structs they fill.
#include <doctest/doctest.h>

#include <chrono>

#include <ringactor/telemetry/config_loader.hpp>
#include <ringactor/telemetry/runtime_schema.hpp>

#include "config_test_util.hpp"

using namespace ringactor;
using namespace ringactor::telemetry;
using namespace std::chrono_literals;

TEST_SUITE("telemetry") {

  TEST_CASE("an application declares its own keys and reads them back typed") {
    auto schema = runtime_schema();
    schema.declare<std::int64_t>("app.batch", 64, "Rows per batch.", {.min = 1, .max = 4096});
    schema.declare<duration>("app.flush", duration{50ms}, "How often rows are flushed.");
    schema.declare<std::string>("app.table", "rows", "Where rows go.");
    schema.declare<double>("app.ratio", 0.5, "Sampling ratio.", {.min = 0.0, .max = 1.0});
    schema.declare_choice("app.mode", "fast", {"fast", "safe"}, "How rows are written.");
    test::temp_file f{"[app]\nbatch = 128\nratio = 1\n[system]\nworkers = 2\n"};
    test::scoped_env env{"RINGACTOR_APP__MODE", "safe"};
    const char* args[] = {"prog", "--app.flush=2s"};
    auto cfg = load_config(f.path(), 2, args, schema);
    REQUIRE_MESSAGE(cfg, cfg.errors().to_string());
    CHECK(cfg->get<std::int64_t>("app.batch") == 128);
    CHECK(cfg->get<double>("app.ratio") == 1.0);
    CHECK(cfg->get<duration>("app.flush") == 2s);
    CHECK(cfg->get<std::string>("app.table") == "rows");
    CHECK(cfg->get<std::string>("app.mode") == "safe");
    CHECK(cfg->system.workers == 2);
    CHECK_THROWS_AS(cfg->get<bool>("app.batch"), std::invalid_argument);
    CHECK_THROWS_AS(cfg->get<std::int64_t>("app.nothing"), std::out_of_range);
    // The application's keys are validated like the runtime's.
    test::temp_file bad{"[app]\nbatch = 0\n"};
    auto b = load_config(bad.path(), 0, nullptr, schema);
    REQUIRE_FALSE(b);
    CHECK(b.errors()[0].message == "expected integer in [1, 4096], found 0");
  }

  TEST_CASE("a key declared twice, a bad path or a default out of range is refused") {
    config_schema s;
    s.declare<std::int64_t>("a.b", 1, "doc");
    CHECK_THROWS_AS(s.declare<std::int64_t>("a.b", 1, "doc"), std::invalid_argument);
    CHECK_THROWS_AS(s.declare<std::int64_t>("a.b.c", 1, "doc"), std::invalid_argument);
    CHECK_THROWS_AS(s.declare<std::int64_t>("A.b", 1, "doc"), std::invalid_argument);
    CHECK_THROWS_AS(s.declare<std::int64_t>("x.y", 0, "doc", {.min = 1}), std::invalid_argument);
    CHECK(s.keys().size() == 1);
  }

  TEST_CASE("an application gives a declared key its own default, which the file still overrides") {
    auto schema = runtime_schema();
    schema.set_default("system.idle_yield", true);
    auto cfg = load_config(std::filesystem::path{}, 0, nullptr, schema);
    REQUIRE_MESSAGE(cfg, cfg.errors().to_string());
    CHECK(cfg->system.idle_yield);
    test::temp_file f{"[system]\nidle_yield = false\n"};
    auto off = load_config(f.path(), 0, nullptr, schema);
    REQUIRE_MESSAGE(off, off.errors().to_string());
    CHECK_FALSE(off->system.idle_yield);
    CHECK_THROWS_AS(schema.set_default("system.idle_yield", std::int64_t{1}),
                    std::invalid_argument);
    CHECK_THROWS_AS(schema.set_default("system.no_such_key", true), std::invalid_argument);
  }

  TEST_CASE("the help listing names every key with its type, default and documentation") {
    auto schema = runtime_schema();
    schema.declare<std::int64_t>("app.batch", 64, "Rows per batch.", {.min = 1});
    auto help = schema.help_text();
    for (const auto& k : schema.keys()) {
      auto shown = k.path;
      if (auto star = shown.find('*'); star != std::string::npos)
        shown.replace(star, 1, "<name>");
      CHECK_MESSAGE(help.find("--" + shown + "=<" + k.expectation() + ">") != std::string::npos,
                    k.path);
      CHECK_MESSAGE(help.find(k.doc) != std::string::npos, k.path);
    }
    CHECK(help.find("--system.workers=<integer in [1, 4096]>  (default: hardware threads)")
          != std::string::npos);
    CHECK(help.find("--system.shutdown_grace=<duration >= \"0s\">  (default: \"5s\")")
          != std::string::npos);
    CHECK(help.find("--app.batch=<integer >= 1>  (default: 64)\n    Rows per batch.")
          != std::string::npos);
  }

  TEST_CASE("durations are written with units and read back") {
    CHECK(*parse_duration("250ms") == 250ms);
    CHECK(*parse_duration("10us") == 10us);
    CHECK(*parse_duration("7ns") == 7ns);
    CHECK(*parse_duration("2min") == 120s);
    CHECK(*parse_duration("1h") == 3600s);
    CHECK(format_duration(1500ms) == "1500ms");
    CHECK(format_duration(120s) == "2min");
    CHECK(format_duration(0s) == "0s");
    CHECK(std::string{parse_duration("ms").error().context()}
          == "expected a duration: an integer and a unit such as \"250ms\", found \"ms\"");
    CHECK(std::string{parse_duration("99999999999999h").error().context()}
          == "duration \"99999999999999h\" is too large");
  }

  TEST_CASE("the runtime keys' defaults are those of the structs they fill") {
    auto cfg = load_config({});
    REQUIRE_MESSAGE(cfg, cfg.errors().to_string());
    actor_system_config sys;
    CHECK(cfg->system.workers == sys.workers);
    CHECK(cfg->system.max_throughput == sys.max_throughput);
    CHECK(cfg->system.idle_spin == sys.idle_spin);
    CHECK(cfg->system.idle_yield == sys.idle_yield);
    CHECK(cfg->system.shutdown_grace == sys.shutdown_grace);
    CHECK(cfg->system.max_inline_init_depth == sys.max_inline_init_depth);
    kernel_config k;
    const auto& c = cfg->kernel_defaults;
    CHECK(c.backend == k.backend);
    CHECK(c.h2k_capacity == k.h2k_capacity);
    CHECK(c.k2h_capacity == k.k2h_capacity);
    CHECK(c.slot_size == k.slot_size);
    CHECK(c.grid.blocks == k.grid.blocks);
    CHECK(c.grid.threads == k.grid.threads);
    CHECK(c.mode == k.mode);
    CHECK(c.heartbeat_interval == k.heartbeat_interval);
    CHECK(c.stall_timeout == k.stall_timeout);
    CHECK(c.residency_timeout == k.residency_timeout);
    CHECK(c.device == k.device);
    CHECK(c.spin_before_park == k.spin_before_park);
    supervision::one_for_one s;
    auto sup = std::get_if<supervision::one_for_one>(&cfg->supervision_defaults);
    REQUIRE(sup != nullptr);
    CHECK(sup->max_restarts == s.max_restarts);
    CHECK(sup->within == s.within);
    CHECK(cfg->brokers.empty());
    CHECK(cfg->pools.empty());
  }

} // TEST_SUITE
