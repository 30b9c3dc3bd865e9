// A node with a K2K broker in a process of its own, for the remote K2K tests
// (remote/k2k_link.hpp). Starts node NAME with SECRET on 127.0.0.1 (TCP over
// "lo"), a broker whose clock has node id CLOCK_ID, publishes its ingress as
// "broker", and registers two endpoints:
//   "sink": answers every probe at once, logging its seq;
//   "gate": one probe in flight at a time; holds them until opened, then
//           answers every held and later probe at once, logging its seq at
//           arrival (the order the broker delivered them in).
// It prints "port N" and then answers one line per command read from stdin:
//   link WHERE SERVICE ENDPOINT  -> "ok" or "error ..." (remote::link_broker)
//   route DESTINATION NEXT_HOP   -> "ok" or "error ..." (k2k::add_route)
//   open                         -> "ok" (the gate lets everything through)
//   log sink|gate                -> "log" and the seqs in arrival order
//   queued                       -> "queued N" (the broker's queued messages)
// It exits when stdin closes or after 120 s, or when killed.
//
//   k2k_node_process NAME SECRET CLOCK_ID [CLOCK_AHEAD_US]
//
// CLOCK_AHEAD_US sets the broker's clock that far ahead of the system clock.
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include <ringactor/all.hpp>
#include <ringactor/k2k/all.hpp>
#include <ringactor/remote/k2k_link.hpp>
#include <ringactor/remote/node.hpp>

#include "k2k_test_types.hpp"

using namespace ringactor;
using namespace k2k_link_test;
using namespace std::chrono_literals;

namespace {

/// Seqs in arrival order, read by the main thread.
struct seq_log {
  std::mutex mtx;
  std::vector<std::int64_t> seqs;

  void add(std::int64_t x) {
    std::lock_guard guard{mtx};
    seqs.push_back(x);
  }
  std::string text() {
    std::lock_guard guard{mtx};
    std::string out = "log";
    for (auto x : seqs)
      out += " " + std::to_string(x);
    return out;
  }
};

struct open_gate {};

struct gate_state {
  // Not an aggregate: stateful_actor would construct an aggregate from its
  // pointer (C++20 parenthesized aggregate init), setting `open` to true.
  gate_state() = default;
  bool open = false;
  std::vector<typed_response_promise<void>> held;
};

/// Reads one line from stdin within `timeout`; false at EOF or timeout.
bool read_line(std::string& line, std::chrono::steady_clock::time_point until) {
  line.clear();
  while (std::chrono::steady_clock::now() < until) {
    pollfd p{.fd = 0, .events = POLLIN, .revents = 0};
    if (::poll(&p, 1, 200) <= 0)
      continue;
    char c = 0;
    if (::read(0, &c, 1) != 1)
      return false;
    if (c == '\n')
      return true;
    line += c;
  }
  return false;
}

void reply(const std::string& x) {
  std::printf("%s\n", x.c_str());
  std::fflush(stdout);
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: k2k_node_process NAME SECRET CLOCK_ID\n");
    return 2;
  }
  actor_system sys{actor_system_config{}.set_workers(2)};
  k2k::hlc_config clock_cfg;
  if (argc > 4) {
    auto ahead = std::stoull(argv[4]);
    clock_cfg.physical_time = [ahead] { return k2k::hybrid_clock::system_time_us() + ahead; };
  }
  auto clock = std::make_shared<k2k::hybrid_clock>(static_cast<std::uint32_t>(std::stoul(argv[3])),
                                                   clock_cfg);
  auto broker = k2k::spawn_broker(sys, {.clock = clock, .name = argv[1]});
  auto sink_log = std::make_shared<seq_log>();
  auto gate_log = std::make_shared<seq_log>();
  auto sink = sys.spawn([sink_log]() -> behavior {
    return {[sink_log](probe p) { sink_log->add(p.seq); }};
  });
  auto gate = sys.spawn([gate_log](stateful_actor<gate_state>* self) -> behavior {
    return {[self, gate_log](probe p) -> result<void> {
              gate_log->add(p.seq);
              if (self->state.open)
                return {};
              auto rp = self->make_response_promise<void>();
              self->state.held.push_back(rp);
              return rp;
            },
            [self](open_gate) {
              self->state.open = true;
              for (auto& rp : self->state.held)
                rp.deliver();
              self->state.held.clear();
            }};
  });
  scoped_actor self{sys};
  bool ok = self->request(broker, 5s, k2k::register_endpoint{"sink", sink}).get().has_value()
            && self->request(broker, 5s, k2k::register_endpoint{"gate", gate, 1}).get().has_value();
  if (!ok) {
    std::fprintf(stderr, "registering the endpoints failed\n");
    return 1;
  }
  remote::node_config cfg;
  cfg.name = argv[1];
  cfg.cluster_secret = argv[2];
  cfg.net_devices = "lo";
  cfg.heartbeat_interval = 100ms;
  cfg.heartbeat_timeout = 1000ms;
  auto n = remote::node::start(sys, cfg);
  if (!n) {
    std::fprintf(stderr, "%s\n", to_string(n.error()).c_str());
    return 1;
  }
  remote::publish_broker(**n, broker, "broker");
  reply("port " + std::to_string((*n)->port()));
  auto until = std::chrono::steady_clock::now() + 120s;
  std::string line;
  while (read_line(line, until)) {
    std::istringstream in{line};
    std::string cmd;
    in >> cmd;
    if (cmd == "link") {
      std::string where, service, endpoint;
      in >> where >> service >> endpoint;
      auto r = remote::link_broker(**n, broker, where, service, endpoint, {.clock = clock});
      reply(r ? "ok" : "error " + to_string(r.error()));
    } else if (cmd == "route") {
      std::string dest, next;
      in >> dest >> next;
      auto r = self->request(broker, 5s, k2k::add_route{dest, next}).get();
      reply(r ? "ok" : "error " + to_string(r.error()));
    } else if (cmd == "open") {
      anon_send(gate, open_gate{});
      reply("ok");
    } else if (cmd == "log") {
      std::string which;
      in >> which;
      reply(which == "gate" ? gate_log->text() : sink_log->text());
    } else if (cmd == "queued") {
      auto s = self->request(broker, 5s, k2k::get_stats{}).get();
      reply(s ? "queued " + std::to_string(s->queued) : "error " + to_string(s.error()));
    } else {
      reply("error unknown command '" + cmd + "'");
    }
  }
  n->reset();
  anon_send_exit(broker, exit_reason::user_shutdown);
  anon_send_exit(sink, exit_reason::user_shutdown);
  anon_send_exit(gate, exit_reason::user_shutdown);
  return 0;
}
