// Precedence of configuration sources: command line > environment > file >
// defaults, each step visible in the value and in its origin.
#include <doctest/doctest.h>

#include <chrono>

#include <ringactor/telemetry/config_loader.hpp>

#include "config_test_util.hpp"

using namespace ringactor;
using namespace ringactor::telemetry;
using namespace std::chrono_literals;

TEST_SUITE("telemetry") {

  TEST_CASE("each source overrides the one below it: default < file < environment < command line") {
    const char* no_args[] = {"prog"};
    // Defaults only.
    auto d = load_config({}, 1, no_args);
    REQUIRE_MESSAGE(d, d.errors().to_string());
    CHECK(d->system.max_throughput == 300);
    CHECK(d->origin("system.max_throughput") == config_origin::default_value);
    // The file overrides the default.
    test::temp_file f{"[system]\nmax_throughput = 11\n"};
    auto fc = load_config(f.path(), 1, no_args);
    REQUIRE_MESSAGE(fc, fc.errors().to_string());
    CHECK(fc->system.max_throughput == 11);
    CHECK(fc->origin("system.max_throughput") == config_origin::file);
    CHECK(fc->entry("system.max_throughput").source == f.str());
    // The environment overrides the file.
    test::scoped_env env{"RINGACTOR_SYSTEM__MAX_THROUGHPUT", "22"};
    auto ec = load_config(f.path(), 1, no_args);
    REQUIRE_MESSAGE(ec, ec.errors().to_string());
    CHECK(ec->system.max_throughput == 22);
    CHECK(ec->origin("system.max_throughput") == config_origin::environment);
    CHECK(ec->entry("system.max_throughput").source
          == "environment variable RINGACTOR_SYSTEM__MAX_THROUGHPUT");
    // The command line overrides the environment.
    const char* args[] = {"prog", "--system.max_throughput=33"};
    auto cc = load_config(f.path(), 2, args);
    REQUIRE_MESSAGE(cc, cc.errors().to_string());
    CHECK(cc->system.max_throughput == 33);
    CHECK(cc->origin("system.max_throughput") == config_origin::command_line);
    CHECK(cc->get<std::int64_t>("system.max_throughput") == 33);
  }

  TEST_CASE("an environment variable reaches a nested table with one __ per level") {
    test::scoped_env blocks{"RINGACTOR_KERNEL__GRID__BLOCKS", "4"};
    test::scoped_env spin{"RINGACTOR_SYSTEM__IDLE_SPIN", "20us"};
    test::scoped_env pool{"RINGACTOR_POOLS__DB__ACTOR", "adder"};
    auto cfg = load_config({});
    REQUIRE_MESSAGE(cfg, cfg.errors().to_string());
    CHECK(cfg->kernel_defaults.grid.blocks == 4);
    CHECK(cfg->system.idle_spin == 20us);
    REQUIRE(cfg->pools.size() == 1);
    CHECK(cfg->pools[0].name == "db");
    CHECK(cfg->pools[0].type_name == "adder");
  }

  TEST_CASE("environment variables without __ and arguments without a dotted key are not config") {
    test::scoped_env log{"RINGACTOR_LOG", "debug"};
    const char* args[] = {
      "prog", "input.txt",          "--verbose", "--out=x", "--system.workers=2",
      "--",   "--system.workers=zz"};
    auto cfg = load_config({}, 7, args);
    REQUIRE_MESSAGE(cfg, cfg.errors().to_string());
    CHECK(cfg->system.workers == 2);
    CHECK_FALSE(cfg->log_level.has_value());
  }

  TEST_CASE("a command-line value is parsed with the key's declared type") {
    const char* args[] = {"prog", "--kernel.stall_timeout=3s", "--pools.w.actor=echo",
                          "--pools.w.idempotent=true", "--pools.w.dispatch=least_loaded"};
    auto cfg = load_config({}, 5, args);
    REQUIRE_MESSAGE(cfg, cfg.errors().to_string());
    CHECK(cfg->kernel_defaults.stall_timeout == 3s);
    REQUIRE(cfg->pools.size() == 1);
    CHECK(cfg->pools[0].idempotent);
    CHECK(std::holds_alternative<supervision::least_loaded>(cfg->pools[0].dispatch));
  }

  TEST_CASE("a log level from the configuration is applied only when a source sets it") {
    auto before = current_log_level();
    test::scoped_env env{"RINGACTOR_SYSTEM__LOG_LEVEL", "error"};
    auto cfg = load_config({});
    REQUIRE_MESSAGE(cfg, cfg.errors().to_string());
    REQUIRE(cfg->log_level.has_value());
    cfg->apply_log_level();
    CHECK(current_log_level() == log_level::error);
    set_log_level(before);
  }

} // TEST_SUITE
