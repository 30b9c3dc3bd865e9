// ringactor-server: an actor system behind the HTTP service edge.
//
//   ringactor-server [--config FILE] [--<key>=<value>...] [--help]
//
// Keys come from FILE (TOML), the environment (RINGACTOR_HTTP__PORT=9000)
// and the command line (--http.port=9000), in that rising order of
// precedence; --help lists every key with its default. The server prints
// "ringactor-server: listening on http://ADDRESS:PORT" once it accepts
// connections (with http.port = 0, the port it was given). SIGTERM or
// SIGINT: readiness fails, new connections are refused, requests in flight
// are answered within http.shutdown_grace, then it exits 0.
#include <csignal>
#include <cstdio>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <pthread.h>

#include <ringactor/actor_system.hpp>
#include <ringactor/telemetry/config_loader.hpp>
#include <ringactor/telemetry/runtime_schema.hpp>

#include "ringactor/service/http_server.hpp"
#include "ringactor/service/server_schema.hpp"
#include "ringactor/service/system_routes.hpp"

using namespace ringactor;

namespace {

int usage(std::FILE* to, const telemetry::config_schema& schema) {
  fmt::print(to,
             "usage: ringactor-server [--config FILE] [--<key>=<value>...] [--help]\n\n"
             "Keys (command line > environment RINGACTOR_<TABLE>__<KEY> > file > default):\n{}",
             schema.help_text());
  return to == stdout ? 0 : 2;
}

} // namespace

int main(int argc, char** argv) {
  auto schema = service::server_schema();
  std::string file;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h")
      return usage(stdout, schema);
    if (arg == "--config") {
      if (i + 1 >= argc) {
        fmt::print(stderr, "ringactor-server: --config needs a file\n");
        return 2;
      }
      file = argv[++i];
    } else if (arg.starts_with("--config=")) {
      file = std::string{arg.substr(9)};
    } else if (!arg.starts_with("--") || arg.find('.') == std::string_view::npos
               || arg.find('=') == std::string_view::npos) {
      fmt::print(stderr, "ringactor-server: unknown argument '{}'\n", arg);
      return usage(stderr, schema);
    }
  }
  // Every other argument is a --key=value the loader reads; --config FILE
  // is not, and the loader leaves arguments without a dotted key alone.
  auto cfg = telemetry::load_config(file, argc, argv, schema);
  if (!cfg) {
    fmt::print(stderr, "ringactor-server: the configuration does not load:\n{}",
               cfg.errors().to_string());
    return 2;
  }
  cfg->apply_log_level();
  // The signals are taken by sigwait below: block them before any thread
  // starts, so that every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  actor_system sys{cfg->system};
  std::atomic<bool> draining{false};
  service::http_server server{service::server_options_from(*cfg)};
  service::add_system_routes(server, sys, &draining);
  if (auto r = server.start(); !r) {
    fmt::print(stderr, "ringactor-server: {}\n", to_string(r.error()));
    return 1;
  }
  fmt::print("ringactor-server: listening on http://{}:{}\n", cfg->get<std::string>("http.address"),
             server.port());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&signals, &sig);
  draining.store(true, std::memory_order_release);
  fmt::print("ringactor-server: {} received, stopping\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  std::fflush(stdout);
  server.stop();
  fmt::print("ringactor-server: stopped\n");
  std::fflush(stdout);
  return 0;
}
