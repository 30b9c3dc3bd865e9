// Loading a TOML configuration into the runtime's settings.
#include <doctest/doctest.h>

#include <chrono>

#include <ringactor/telemetry/config_loader.hpp>

#include "config_test_util.hpp"

using namespace ringactor;
using namespace ringactor::telemetry;
using namespace std::chrono_literals;

TEST_SUITE("telemetry") {

  TEST_CASE("a [system] table sets the actor system's workers, throughput, spin and grace") {
    test::temp_file f{R"(
[system]
workers = 3
max_throughput = 50
idle_spin = "250us"
shutdown_grace = "2s"
max_inline_init_depth = 4
log_level = "info"
)"};
    auto cfg = load_config(f.path());
    REQUIRE_MESSAGE(cfg, cfg.errors().to_string());
    CHECK(cfg->system.workers == 3);
    CHECK(cfg->system.max_throughput == 50);
    CHECK(cfg->system.idle_spin == 250us);
    CHECK(cfg->system.shutdown_grace == 2s);
    CHECK(cfg->system.max_inline_init_depth == 4);
    REQUIRE(cfg->log_level.has_value());
    CHECK(*cfg->log_level == log_level::info);
    CHECK(cfg->origin("system.workers") == config_origin::file);
    CHECK(cfg->entry("system.workers").line == 3);
  }

  TEST_CASE("keys a file does not set keep the defaults of actor_system_config") {
    test::temp_file f{"[system]\nworkers = 2\n"};
    auto cfg = load_config(f.path());
    REQUIRE_MESSAGE(cfg, cfg.errors().to_string());
    actor_system_config d;
    CHECK(cfg->system.max_throughput == d.max_throughput);
    CHECK(cfg->system.idle_spin == d.idle_spin);
    CHECK(cfg->system.shutdown_grace == d.shutdown_grace);
    CHECK(cfg->origin("system.max_throughput") == config_origin::default_value);
    CHECK_FALSE(cfg->log_level.has_value());
  }

  TEST_CASE("a wrong type in [system] is an error naming the file, line, column and key") {
    test::temp_file f{"[system]\nworkers = \"four\"\n"};
    auto cfg = load_config(f.path());
    REQUIRE_FALSE(cfg);
    REQUIRE(cfg.errors().size() == 1);
    CHECK(cfg.errors()[0].to_string()
          == f.str()
               + ":2:11: system.workers: expected integer in [1, 4096], found string \"four\"");
  }

} // TEST_SUITE
