// Every kind of configuration error, with its message: where (file, line,
// column; environment variable; command-line option), which key, what was
// expected and what was found.
#include <doctest/doctest.h>

#include <string>

#include <ringactor/telemetry/config_loader.hpp>

#include "config_test_util.hpp"

using namespace ringactor;
using namespace ringactor::telemetry;

namespace {

// The one error loading `text` gives.
std::string only_error(const std::string& text, const test::temp_file& f) {
  auto cfg = load_config(f.path());
  REQUIRE_FALSE(cfg);
  REQUIRE_MESSAGE(cfg.errors().size() == 1, cfg.errors().to_string());
  (void) text;
  return cfg.errors()[0].to_string();
}

std::string only_error(const std::string& text) {
  test::temp_file f{text};
  auto msg = only_error(text, f);
  // Paths differ per run: the tests compare what follows the file name.
  REQUIRE(msg.starts_with(f.str()));
  return msg.substr(f.str().size());
}

} // namespace

TEST_SUITE("telemetry") {

  TEST_CASE("a TOML syntax error names the line and column") {
    auto msg = only_error("[system]\nworkers = 4\nmax_throughput = = 3\n");
    CHECK(msg.starts_with(":3:18: TOML syntax error: "));
  }

  TEST_CASE("an unknown key is an error with a did-you-mean suggestion") {
    CHECK(only_error("[system]\nworkrs = 4\n")
          == ":2:1: system.workrs: unknown key; did you mean \"system.workers\"?");
    CHECK(only_error("[sytem]\nworkers = 4\n")
          == ":1:2: sytem: unknown table; did you mean \"system\"?");
    CHECK(only_error("[kernel.gird]\n")
          == ":1:9: kernel.gird: unknown table; did you mean \"kernel.grid\"?");
    CHECK(only_error("[pools.db]\nactor = \"a\"\nsise = 2\n")
          == ":3:1: pools.db.sise: unknown key; did you mean \"pools.db.size\"?");
    CHECK(only_error("[system]\nbanana = 4\n") == ":2:1: system.banana: unknown key");
  }

  TEST_CASE("a value of the wrong type says what was expected and what was found") {
    CHECK(only_error("[system]\nmax_throughput = true\n")
          == ":2:18: system.max_throughput: expected integer >= 1, found boolean true");
    CHECK(
      only_error("[kernel]\nbackend = 3\n")
      == ":2:11: kernel.backend: expected string: one of automatic, cpu, cuda, found integer 3");
    CHECK(only_error("system = 3\n") == ":1:10: system: expected a table, found integer 3");
    CHECK(only_error("[system]\nworkers = [1, 2]\n")
          == ":2:11: system.workers: expected integer in [1, 4096], found an array");
    CHECK(only_error("[system.workers]\nx = 1\n")
          == ":1:1: system.workers: expected integer in [1, 4096], found a table");
  }

  TEST_CASE("a value out of range says the range") {
    CHECK(only_error("[system]\nworkers = 0\n")
          == ":2:11: system.workers: expected integer in [1, 4096], found 0");
    CHECK(only_error("[system]\nidle_spin = \"2s\"\n")
          == ":2:13: system.idle_spin: expected duration in [\"0s\", \"1s\"], found \"2s\"");
    CHECK(only_error("[kernel]\nh2k_capacity = 100\n")
          == ":2:16: kernel.h2k_capacity: expected a power of two, found 100");
    CHECK(only_error("[kernel]\nmode = \"eager\"\n")
          == ":2:8: kernel.mode: expected string: one of persistent, launch, found \"eager\"");
  }

  TEST_CASE("a duration with a bad unit or none is an error naming the units") {
    CHECK(only_error("[system]\nshutdown_grace = \"2sec\"\n")
          == ":2:18: system.shutdown_grace: unknown unit \"sec\" in \"2sec\" (expected ns, us, ms, "
             "s, min or h)");
    CHECK(only_error("[system]\nshutdown_grace = \"2\"\n")
          == ":2:18: system.shutdown_grace: duration \"2\" has no unit (expected ns, us, ms, s, "
             "min or h)");
    CHECK(only_error("[system]\nshutdown_grace = 2\n")
          == ":2:18: system.shutdown_grace: expected duration >= \"0s\", found integer 2");
  }

  TEST_CASE("a bad environment value names the variable") {
    test::scoped_env env{"RINGACTOR_SYSTEM__WORKERS", "abc"};
    auto cfg = load_config({});
    REQUIRE_FALSE(cfg);
    REQUIRE(cfg.errors().size() == 1);
    CHECK(cfg.errors()[0].to_string()
          == "environment variable RINGACTOR_SYSTEM__WORKERS: system.workers: expected integer in "
             "[1, 4096], found \"abc\"");
  }

  TEST_CASE("an unknown environment variable with __ is an error with a suggestion") {
    test::scoped_env env{"RINGACTOR_SYSTEM__WORKER", "2"};
    auto cfg = load_config({});
    REQUIRE_FALSE(cfg);
    REQUIRE(cfg.errors().size() == 1);
    CHECK(cfg.errors()[0].to_string()
          == "environment variable RINGACTOR_SYSTEM__WORKER: system.worker: unknown key; did you "
             "mean \"system.workers\"?");
  }

  TEST_CASE("a bad command-line value names the option") {
    const char* args[] = {"prog", "--system.workers=abc", "--system.idle_spin=5parsecs",
                          "--system.shutdown_grace"};
    auto cfg = load_config({}, 4, args);
    REQUIRE_FALSE(cfg);
    REQUIRE(cfg.errors().size() == 3);
    CHECK(cfg.errors()[0].to_string()
          == "command line --system.workers: system.workers: expected integer in [1, 4096], found "
             "\"abc\"");
    CHECK(cfg.errors()[1].to_string()
          == "command line --system.idle_spin: system.idle_spin: unknown unit \"parsecs\" in "
             "\"5parsecs\" (expected ns, us, ms, s, min or h)");
    CHECK(cfg.errors()[2].to_string()
          == "command line --system.shutdown_grace: system.shutdown_grace: expected "
             "--system.shutdown_grace=<value>, found no value");
  }

  TEST_CASE("errors of every source are reported together, and nothing is applied") {
    test::temp_file f{"[system]\nworkers = 2\nmax_throughput = 0\n[kernel]\nbackend = \"gpu\"\n"};
    test::scoped_env env{"RINGACTOR_SYSTEM__IDLE_SPIN", "fast"};
    const char* args[] = {"prog", "--supervision.max_restarts=-1"};
    auto cfg = load_config(f.path(), 2, args);
    REQUIRE_FALSE(cfg);
    REQUIRE_MESSAGE(cfg.errors().size() == 4, cfg.errors().to_string());
    CHECK(cfg.errors()[0].key == "kernel.backend"); // the file, in key order
    CHECK(cfg.errors()[1].key == "system.max_throughput");
    CHECK(cfg.errors()[2].key == "system.idle_spin");         // the environment
    CHECK(cfg.errors()[3].key == "supervision.max_restarts"); // the command line
    // No value comes back, and value() says why with every error.
    std::string what;
    try {
      cfg.value();
    } catch (const std::runtime_error& e) {
      what = e.what();
    }
    CHECK(what.find("kernel.backend") != std::string::npos);
    CHECK(what.find("supervision.max_restarts") != std::string::npos);
  }

  TEST_CASE("a missing file is an error naming it") {
    auto cfg = load_config("/nonexistent/ringactor.toml");
    REQUIRE_FALSE(cfg);
    CHECK(cfg.errors()[0].to_string()
          == "/nonexistent/ringactor.toml: cannot open the configuration file");
  }

  TEST_CASE("a pool must name exactly one worker type, kernel or actor") {
    CHECK(only_error("[pools.db]\nsize = 2\n")
          == ":2:8: pools.db: expected pools.db.kernel or pools.db.actor (the workers' registered "
             "type), found neither");
    CHECK(only_error("[pools.db]\nkernel = \"a\"\nactor = \"b\"\n")
          == ":3:9: pools.db.actor: expected either pools.db.kernel or pools.db.actor, found both");
  }

  TEST_CASE("a kernel stall timeout not longer than the heartbeat interval is an error") {
    CHECK(only_error("[kernel]\nheartbeat_interval = \"1s\"\nstall_timeout = \"1s\"\n")
          == ":3:17: kernel.stall_timeout: expected a duration longer than "
             "kernel.heartbeat_interval (\"1s\"), found \"1s\"");
  }

} // TEST_SUITE
