// An outside program built against an installed ringactor-telemetry with
// pkg-config only (scripts/check-install): it loads a configuration from a
// TOML file and an argument and runs an actor system with it.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <ringactor/all.hpp>
#include <ringactor/telemetry/config_loader.hpp>

#ifndef RINGACTOR_HAS_TELEMETRY
#  error "pkg-config ringactor-telemetry must define RINGACTOR_HAS_TELEMETRY"
#endif

using namespace ringactor;

int main() {
  auto path = std::filesystem::temp_directory_path() / "ringactor-outside-telemetry.toml";
  std::ofstream{path} << "[system]\nworkers = 3\n[kernel]\nbackend = \"cpu\"\n";
  const char* argv[] = {"outside", "--system.max_throughput=7"};
  auto cfg = telemetry::load_config(path, 2, argv);
  std::filesystem::remove(path);
  if (!cfg) {
    std::printf("FAIL: the configuration does not load:\n%s", cfg.errors().to_string().c_str());
    return 1;
  }
  bool ok = cfg->system.workers == 3 && cfg->system.max_throughput == 7
            && cfg->kernel_defaults.backend == kernel_backend::cpu;
  actor_system sys{cfg->system};
  std::printf("%s: a configuration loads from a file and the command line\n", ok ? "ok" : "FAIL");
  return ok ? 0 : 1;
}
