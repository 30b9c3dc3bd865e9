// ringactor service: the main function of a server binary (server_app.hpp).
#include "ringactor/service/server_app.hpp"

#include <csignal>
#include <cstdio>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <pthread.h>

#include <ringactor/telemetry/config_loader.hpp>

#include "ringactor/service/http_server.hpp"
#include "ringactor/service/pool_backend.hpp"
#include "ringactor/service/rest_routes.hpp"
#include "ringactor/service/server_schema.hpp"
#include "ringactor/service/system_routes.hpp"
#include "ringactor/service/topic_routes.hpp"
#include "ringactor/service/ws_routes.hpp"

namespace ringactor::service {

namespace {

int usage(std::FILE* to, std::string_view name, const telemetry::config_schema& schema) {
  fmt::print(to,
             "usage: {} [--config FILE] [--<key>=<value>...] [--help]\n\n"
             "Keys (command line > environment RINGACTOR_<TABLE>__<KEY> > file > default):\n{}",
             name, schema.help_text());
  return to == stdout ? 0 : 2;
}

} // namespace

int serve(int argc, char** argv, std::string_view name, const service_setup& setup,
          std::vector<front_factory> fronts) {
  auto schema = server_schema();
  std::string file;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h")
      return usage(stdout, name, schema);
    if (arg == "--config") {
      if (i + 1 >= argc) {
        fmt::print(stderr, "{}: --config needs a file\n", name);
        return 2;
      }
      file = argv[++i];
    } else if (arg.starts_with("--config=")) {
      file = std::string{arg.substr(9)};
    } else if (!arg.starts_with("--") || arg.find('.') == std::string_view::npos
               || arg.find('=') == std::string_view::npos) {
      fmt::print(stderr, "{}: unknown argument '{}'\n", name, arg);
      return usage(stderr, name, schema);
    }
  }
  // Every other argument is a --key=value the loader reads; --config FILE
  // is not, and the loader leaves arguments without a dotted key alone.
  auto cfg = telemetry::load_config(file, argc, argv, schema);
  if (!cfg) {
    fmt::print(stderr, "{}: the configuration does not load:\n{}", name, cfg.errors().to_string());
    return 2;
  }
  cfg->apply_log_level();
  // A backend where none can apply is a configuration error, whether or
  // not the setup below reads the key.
  for (auto& spec : cfg->pools)
    if (auto k = pool_kernel_config_of(*cfg, spec); !k) {
      fmt::print(stderr, "{}: the configuration does not load: {}\n", name, to_string(k.error()));
      return 2;
    }
  if (cfg->get<bool>("grpc.enabled") && fronts.empty()) {
    fmt::print(stderr, "{}: grpc.enabled: this server was built without the gRPC front\n", name);
    return 2;
  }
  // The signals are taken by sigwait below: block them before any thread
  // starts, so that every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  actor_system sys{cfg->system};
  registry reg;
  for (auto& [topic_name, options] : topic_specs_from(*cfg))
    topics::of(sys).add(topic_name, options);
  if (setup) {
    expected<void> r;
    try {
      r = setup(sys, *cfg, reg);
    } catch (const std::exception& e) {
      r = error{sec::invalid_argument, e.what()};
    }
    if (!r) {
      fmt::print(stderr, "{}: the services do not start: {}\n", name, to_string(r.error()));
      return 2;
    }
  }
  std::atomic<bool> draining{false};
  http_server server{server_options_from(*cfg)};
  // One set of layer objects for every front: a limit or a rate bucket
  // counts HTTP requests and gRPC calls together.
  auto layers = configured_layers(*cfg);
  if (!layers) {
    fmt::print(stderr, "{}: the configuration does not load: {}\n", name,
               to_string(layers.error()));
    return 2;
  }
  auto shared_layers = std::make_shared<const std::vector<layer>>(std::move(*layers));
  for (auto& l : *shared_layers)
    server.use(l);
  std::vector<std::unique_ptr<server_front>> started;
  for (auto& make : fronts) {
    std::unique_ptr<server_front> f;
    try {
      f = make(front_context{sys, *cfg, reg, shared_layers});
    } catch (const std::exception& e) {
      fmt::print(stderr, "{}: the configuration does not load: {}\n", name, e.what());
      return 2;
    }
    if (f)
      started.push_back(std::move(f));
  }
  add_system_routes(server, sys, &draining);
  add_rest_routes(server, sys, reg);
  add_topic_routes(server, topics::of(sys), topic_route_options_from(*cfg));
  add_websocket_routes(server, sys, reg, ws_options_from(*cfg));
  if (auto r = server.start(); !r) {
    fmt::print(stderr, "{}: {}\n", name, to_string(r.error()));
    return r.error() == sec::invalid_argument ? 2 : 1; // 2: the configuration's fault
  }
  fmt::print("{}: listening on {}://{}:{}\n", name, server.tls() ? "https" : "http",
             cfg->get<std::string>("http.address"), server.port());
  for (auto& f : started) {
    if (auto r = f->start(); !r) {
      fmt::print(stderr, "{}: {}\n", name, to_string(r.error()));
      server.stop();
      return 1;
    }
    fmt::print("{}: listening on {}\n", name, f->url());
  }
  std::fflush(stdout);
  int sig = 0;
  sigwait(&signals, &sig);
  draining.store(true, std::memory_order_release);
  // Health says NOT_SERVING on every front before any stops accepting.
  for (auto& f : started)
    f->begin_drain();
  fmt::print("{}: {} received, stopping\n", name, sig == SIGTERM ? "SIGTERM" : "SIGINT");
  std::fflush(stdout);
  // The fronts drain side by side: each within its grace, not one after
  // the other's.
  std::thread others{[&started] {
    for (auto& f : started)
      f->stop();
  }};
  server.stop();
  others.join();
  fmt::print("{}: stopped\n", name);
  std::fflush(stdout);
  return 0;
}

} // namespace ringactor::service
