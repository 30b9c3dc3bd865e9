// A remote node in a process of its own for the remote suite. Starts a node
// named NAME with SECRET on 127.0.0.1 (TCP over "lo"), publishes
//   "echo": answers ping with the same ping, text with the same text; on ping_back{n} sends ping{n}
//           to the sender;
//   "slow": answers slow{n} with ping{n} after 2 ms;
//   "sink": counts pings per sender (in order or not), answers get_tally;
//   "typed_echo": as echo for ping, published typed (echo_if);
//   "mortal": exits with user_shutdown when it gets a ping (once per process;
//             send_exit or a link's exit end it too);
// prints "port N" and runs until stdin closes or it is killed (at most 120 s).
//
//   remote_node_process NAME SECRET [--extra-type] [--transports LIST]
//
// --extra-type registers one more type, so the schema digest differs;
// --transports sets node_config::transports (by default "tcp,self").
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include <ringactor/all.hpp>
#include <ringactor/remote/node.hpp>

#include "node_test_types.hpp"

using namespace ringactor;
using namespace node_test;
using namespace std::chrono_literals;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: remote_node_process NAME SECRET [--extra-type] [--transports LIST]\n");
    return 2;
  }
  std::string transports = "tcp,self";
  for (int i = 3; i < argc; ++i) {
    if (std::strcmp(argv[i], "--extra-type") == 0) {
      register_type<extra_type>("node_test.extra_type");
    } else if (std::strcmp(argv[i], "--transports") == 0 && i + 1 < argc) {
      transports = argv[++i];
    } else {
      std::fprintf(stderr, "remote_node_process: unknown argument '%s'\n", argv[i]);
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
  remote::node_config cfg;
  cfg.name = argv[1];
  cfg.cluster_secret = argv[2];
  cfg.transports = transports;
  cfg.net_devices = "lo";
  cfg.heartbeat_interval = 100ms;
  cfg.heartbeat_timeout = 1000ms;
  auto n = remote::node::start(sys, cfg);
  if (!n) {
    std::fprintf(stderr, "%s\n", to_string(n.error()).c_str());
    return 1;
  }
  (*n)->publish(echo, "echo");
  (*n)->publish(slow_actor, "slow");
  (*n)->publish(sink, "sink");
  (*n)->publish(mortal, "mortal");
  (*n)->publish(typed_echo, "typed_echo");
  std::printf("port %u\n", static_cast<unsigned>((*n)->port()));
  std::fflush(stdout);
  auto until = std::chrono::steady_clock::now() + 120s;
  while (std::chrono::steady_clock::now() < until) {
    pollfd p{.fd = 0, .events = POLLIN, .revents = 0};
    if (::poll(&p, 1, 200) > 0) {
      char buf[64];
      if (::read(0, buf, sizeof(buf)) <= 0)
        break; // stdin closed: the test is done with this node
    }
  }
  n->reset();
  anon_send_exit(echo, exit_reason::user_shutdown);
  anon_send_exit(slow_actor, exit_reason::user_shutdown);
  anon_send_exit(sink, exit_reason::user_shutdown);
  anon_send_exit(mortal, exit_reason::user_shutdown);
  anon_send_exit(typed_echo, exit_reason::user_shutdown);
  return 0;
}
