// A remote node in a process of its own for the remote suite. Starts a node
// named NAME with SECRET on 127.0.0.1 (TCP over "lo"), publishes
//   "echo": answers ping with the same ping, text with the same text; on ping_back{n} sends ping{n}
//           to the sender;
//   "slow": answers slow{n} with ping{n} after 2 ms;
//   "sink": counts pings per sender (in order or not), answers get_tally;
//   "typed_echo": as echo for ping, published typed (echo_if);
//   "mortal": exits with user_shutdown when it gets a ping (once per process;
//             send_exit or a link's exit end it too);
//   "census": answers get_census with how many actors peers spawned here and
//             how many of them are alive;
//   "buffers": answers blob with a blob of the same buffer, its id the hash
//              of the bytes received; keeps keep_floats' buffer by id and
//              answers read_kept with its elements, read then;
// prints "port N" and runs until stdin closes or it is killed (at most 120 s).
// Peers may spawn (spawn_registry) "adder" (answers ping{n} with ping{n})
// and "offset_adder" (adder_args{k}: answers ping{n} with ping{n + k}) where
// the allow-list says so.
//
//   remote_node_process NAME SECRET [--extra-type] [--allow-spawn]
//                       [--topology FILE] [--spawn-on WHERE] [--transports LIST]
//                       [--heartbeat-timeout MS] [--config FILE]
//
// --extra-type registers one more type, so the schema digest differs.
// --allow-spawn lets peers spawn adder and offset_adder, and names
//   "unregistered_type" too (allowed, but nothing is registered under it).
// --topology FILE starts the node as NAME of the topology file (its
//   address, port and spawn allow-list from there).
// --spawn-on WHERE spawns an "adder" on the node at WHERE once started and
//   prints "spawned ok" (or "spawned error: ..."), then keeps the proxy.
// --transports sets node_config::transports (by default "tcp,self").
// --heartbeat-timeout MS sets node_config::heartbeat_timeout (by default
// 1000 ms).
// --config FILE takes the node's settings from the [remote] keys of a TOML
//   file (node_config_keys.hpp; the process environment's RINGACTOR_REMOTE__*
//   over them): its name, transports, heartbeat and spawn_allow; SECRET is
//   put in the variable REMOTE_NODE_PROCESS_SECRET for the file's
//   cluster_secret_env to name. The other flags above do not apply.
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include <ringactor/all.hpp>
#include <ringactor/remote/node.hpp>
#include <ringactor/remote/spawn_registry.hpp>
#include <ringactor/remote/topology.hpp>
#if RINGACTOR_HAS_TELEMETRY
#  include <ringactor/remote/node_config_keys.hpp>
#  include <ringactor/telemetry/config_loader.hpp>
#  include <ringactor/telemetry/runtime_schema.hpp>
#endif

#include "node_test_types.hpp"

using namespace ringactor;
using namespace node_test;
using namespace std::chrono_literals;

namespace {

/// Tells the census about an actor spawned at a peer's request.
struct track {
  actor spawned;
};

echo_if spawn_adder(actor_system& sys, const actor& census_actor, std::int64_t offset) {
  echo_if a = sys.spawn([offset](echo_if::pointer) -> echo_if::behavior_type {
    return {[offset](ping p) { return ping{p.n + offset}; }};
  });
  anon_send(census_actor, track{actor_cast<actor>(a)});
  return a;
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: remote_node_process NAME SECRET [--extra-type] [--allow-spawn] "
                         "[--topology FILE] [--spawn-on WHERE] [--transports LIST] "
                         "[--heartbeat-timeout MS] [--config FILE]\n");
    return 2;
  }
  bool allow_spawn = false;
  std::string topology_file;
  std::string spawn_on;
  std::string config_file;
  std::string transports = "tcp,self";
  auto heartbeat_timeout = std::chrono::milliseconds{1000};
  for (int i = 3; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--extra-type") {
      register_type<extra_type>("node_test.extra_type");
    } else if (arg == "--allow-spawn") {
      allow_spawn = true;
    } else if (arg == "--topology" && i + 1 < argc) {
      topology_file = argv[++i];
    } else if (arg == "--spawn-on" && i + 1 < argc) {
      spawn_on = argv[++i];
    } else if (arg == "--transports" && i + 1 < argc) {
      transports = argv[++i];
    } else if (arg == "--config" && i + 1 < argc) {
      config_file = argv[++i];
    } else if (arg == "--heartbeat-timeout" && i + 1 < argc) {
      heartbeat_timeout = std::chrono::milliseconds{std::atoi(argv[++i])};
    } else {
      std::fprintf(stderr, "remote_node_process: unknown argument %s\n", arg.c_str());
      return 2;
    }
  }
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto echo = sys.spawn([](event_based_actor* self) -> behavior {
    return {[](ping p) { return p; }, [](text t) { return t; },
            [self](ping_back p) {
              if (auto& s = self->current_sender())
                self->send(actor{s}, ping{p.n});
            }};
  });
  auto slow_actor = sys.spawn([]() -> behavior {
    return {[](slow s) {
      std::this_thread::sleep_for(2ms); // lets requests pile up in flight
      return ping{s.n};
    }};
  });
  auto sink = sys.spawn([](event_based_actor* self) -> behavior {
    auto last = std::make_shared<std::map<actor_id, std::int64_t>>();
    auto counted = std::make_shared<tally>();
    return {[self, last, counted](ping p) {
              auto id = self->current_sender() ? self->current_sender()->id() : 0;
              auto i = last->try_emplace(id, -1).first;
              if (p.n != i->second + 1)
                ++counted->out_of_order;
              i->second = p.n;
              ++counted->received;
              counted->senders = static_cast<std::int64_t>(last->size());
            },
            [counted](get_tally) { return *counted; }};
  });
  auto mortal = sys.spawn([](event_based_actor* self) -> behavior {
    return {[self](ping) { self->quit(exit_reason::user_shutdown); }};
  });
  echo_if typed_echo = sys.spawn([](echo_if::pointer) -> echo_if::behavior_type {
    return {[](ping p) { return p; }};
  });
  // The census holds each spawned actor (as an application that registered
  // it somewhere would), so that only the node ending it, not the last
  // handle going away, brings `live` down.
  auto census_actor = sys.spawn([](event_based_actor* self) -> behavior {
    auto counted = std::make_shared<census>();
    auto held = std::make_shared<std::map<actor_id, actor>>();
    self->set_down_handler([counted, held](down_msg& d) {
      if (held->erase(d.source.id()) > 0)
        --counted->live;
    });
    return {[self, counted, held](track t) {
              self->monitor(t.spawned);
              held->emplace(t.spawned.id(), t.spawned);
              ++counted->spawned;
              ++counted->live;
            },
            [counted](get_census) { return *counted; }};
  });
  // Each buffer it got, by content: held by the field a handler kept, long
  // after the message that brought it is gone.
  auto buffers = sys.spawn([](event_based_actor*) -> behavior {
    auto kept = std::make_shared<std::map<std::int64_t, shared_device_buffer<float>>>();
    return {[](blob b) {
              std::vector<std::uint8_t> bytes(b.data.size());
              b.data.copy_to_host(bytes.data(), bytes.size());
              return blob{fnv1a(bytes.data(), bytes.size()), b.data};
            },
            [kept](keep_floats k) {
              (*kept)[k.id] = k.data;
              return ping{static_cast<std::int64_t>(k.data.size())};
            },
            [kept](read_kept r) {
              kept_values out{r.id, {}};
              if (auto i = kept->find(r.id); i != kept->end()) {
                out.values.resize(i->second.size());
                i->second.copy_to_host(out.values.data(), out.values.size());
              }
              return out;
            }};
  });
  auto types = std::make_shared<remote::spawn_registry>();
  types->add("adder", [census_actor](actor_system& s) { return spawn_adder(s, census_actor, 0); });
  types->add<adder_args>("offset_adder", [census_actor](actor_system& s, adder_args a) {
    return spawn_adder(s, census_actor, a.offset);
  });
  remote::node_config cfg;
  cfg.name = argv[1];
  cfg.cluster_secret = argv[2];
  cfg.transports = transports;
  cfg.net_devices = "lo";
  cfg.heartbeat_interval = 100ms;
  cfg.heartbeat_timeout = heartbeat_timeout;
  cfg.spawnable = types;
  if (allow_spawn)
    cfg.spawn_allow = {"adder", "offset_adder", "unregistered_type"};
  if (!config_file.empty()) {
#if RINGACTOR_HAS_TELEMETRY
    // Still one thread here besides the actor system's, none of which
    // reads the environment.
    ::setenv("REMOTE_NODE_PROCESS_SECRET", argv[2], 1);
    auto schema = telemetry::runtime_schema();
    remote::declare_remote_keys(schema);
    telemetry::config_sources sources;
    sources.file = config_file;
    sources.environment = telemetry::process_environment();
    auto loaded = telemetry::load_config(sources, schema);
    if (!loaded) {
      std::fprintf(stderr, "%s", loaded.errors().to_string().c_str());
      return 1;
    }
    auto from_file = remote::node_config_from(*loaded);
    if (!from_file) {
      std::fprintf(stderr, "%s\n", to_string(from_file.error()).c_str());
      return 1;
    }
    cfg = std::move(*from_file);
    cfg.spawnable = types;
#else
    std::fprintf(stderr, "remote_node_process: no configuration loader in this build\n");
    return 1;
#endif
  }
  expected<std::unique_ptr<remote::node>> n{error{sec::invalid_argument, "not started"}};
  if (topology_file.empty()) {
    n = remote::node::start(sys, cfg);
  } else {
#if RINGACTOR_HAS_TELEMETRY
    auto topo = remote::load_topology(topology_file);
    if (!topo) {
      std::fprintf(stderr, "%s\n", to_string(topo.error()).c_str());
      return 1;
    }
    n = remote::node::start(sys, *topo, cfg.name, cfg);
#else
    std::fprintf(stderr, "remote_node_process: no topology parser in this build\n");
    return 1;
#endif
  }
  if (!n) {
    std::fprintf(stderr, "%s\n", to_string(n.error()).c_str());
    return 1;
  }
  (*n)->publish(echo, "echo");
  (*n)->publish(slow_actor, "slow");
  (*n)->publish(sink, "sink");
  (*n)->publish(mortal, "mortal");
  (*n)->publish(typed_echo, "typed_echo");
  (*n)->publish(census_actor, "census");
  (*n)->publish(buffers, "buffers");
  std::printf("port %u\n", static_cast<unsigned>((*n)->port()));
  std::fflush(stdout);
  expected<echo_if> spawned{error{sec::invalid_argument, "not spawned"}};
  if (!spawn_on.empty()) {
    spawned = (*n)->spawn<echo_if>(spawn_on, "adder");
    if (spawned)
      std::printf("spawned ok\n");
    else
      std::printf("spawned error: %s\n", to_string(spawned.error()).c_str());
    std::fflush(stdout);
  }
  auto until = std::chrono::steady_clock::now() + 120s;
  while (std::chrono::steady_clock::now() < until) {
    pollfd p{.fd = 0, .events = POLLIN, .revents = 0};
    if (::poll(&p, 1, 200) > 0) {
      char buf[64];
      if (::read(0, buf, sizeof(buf)) <= 0)
        break; // stdin closed: the test is done with this node
    }
  }
  spawned = error{sec::invalid_argument, "released"};
  n->reset();
  anon_send_exit(census_actor, exit_reason::user_shutdown);
  anon_send_exit(buffers, exit_reason::user_shutdown);
  anon_send_exit(echo, exit_reason::user_shutdown);
  anon_send_exit(slow_actor, exit_reason::user_shutdown);
  anon_send_exit(sink, exit_reason::user_shutdown);
  anon_send_exit(mortal, exit_reason::user_shutdown);
  anon_send_exit(typed_echo, exit_reason::user_shutdown);
  return 0;
}
