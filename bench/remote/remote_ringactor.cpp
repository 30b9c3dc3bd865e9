// remote_bench, ringactor's side: two nodes (remote/node.hpp) over UCX, the
// server publishing one actor that echoes `echo_payload` and counts
// `sink_payload`.
#include <chrono>
#include <cstdio>
#include <string>

#include <ringactor/all.hpp>
#include <ringactor/remote/node.hpp>

#include "remote_bench.hpp"

namespace remote_bench {

struct echo_payload {
  std::string data;
};
template <class Inspector>
bool inspect(Inspector& f, echo_payload& x) {
  return f.object(x).fields(f.field("data", x.data));
}

struct sink_payload {
  std::string data;
};
template <class Inspector>
bool inspect(Inspector& f, sink_payload& x) {
  return f.object(x).fields(f.field("data", x.data));
}

struct get_count {
  std::int64_t unused = 0;
};
template <class Inspector>
bool inspect(Inspector& f, get_count& x) {
  return f.object(x).fields(f.field("unused", x.unused));
}

struct count_reply {
  std::int64_t received = 0;
};
template <class Inspector>
bool inspect(Inspector& f, count_reply& x) {
  return f.object(x).fields(f.field("received", x.received));
}

} // namespace remote_bench

RINGACTOR_TYPE(remote_bench::echo_payload, "remote_bench.echo_payload")
RINGACTOR_TYPE(remote_bench::sink_payload, "remote_bench.sink_payload")
RINGACTOR_TYPE(remote_bench::get_count, "remote_bench.get_count")
RINGACTOR_TYPE(remote_bench::count_reply, "remote_bench.count_reply")

namespace remote_bench {

namespace {

using namespace ringactor;
using namespace std::chrono_literals;

constexpr const char* secret = "remote-bench-secret";

remote::node_config config(const char* name, const std::string& transport) {
  remote::node_config cfg;
  cfg.name = name;
  cfg.cluster_secret = secret;
  cfg.transports = transport == "shm" ? "shm" : "tcp,self";
  cfg.net_devices = "lo"; // loopback only
  // A flood of one-way sends may hold heartbeats back: the benchmark is
  // about speed, not the failure detector.
  cfg.heartbeat_timeout = 60s;
  return cfg;
}

} // namespace

int serve_ringactor(const std::string& transport, std::size_t workers) {
  actor_system sys{actor_system_config{}.set_workers(workers)};
  auto server = sys.spawn([](event_based_actor*) -> behavior {
    auto received = std::make_shared<std::int64_t>(0);
    return {[](echo_payload& p) { return std::move(p); },
            [received](const sink_payload&) { ++*received; },
            [received](get_count) { return count_reply{*received}; }};
  });
  auto n = remote::node::start(sys, config("bench-server", transport));
  if (!n) {
    std::fprintf(stderr, "remote_bench server: %s\n", to_string(n.error()).c_str());
    return 1;
  }
  (*n)->publish(server, "bench");
  announce_and_wait((*n)->port());
  n->reset();
  anon_send_exit(server, exit_reason::user_shutdown);
  return 0;
}

measured run_ringactor(workload w, const std::string& transport, std::uint16_t port,
                       std::size_t messages, std::size_t workers) {
  measured out;
  actor_system sys{actor_system_config{}.set_workers(workers)};
  auto n = remote::node::start(sys, config("bench-client", transport));
  if (!n) {
    std::fprintf(stderr, "remote_bench ringactor: %s\n", to_string(n.error()).c_str());
    return out;
  }
  auto server = (*n)->lookup("127.0.0.1:" + std::to_string(port), "bench");
  if (!server) {
    std::fprintf(stderr, "remote_bench ringactor: lookup: %s\n", to_string(server.error()).c_str());
    return out;
  }
  scoped_actor self{sys};
  bool failed = false;
  auto on_error = [&](const error& e) {
    std::fprintf(stderr, "remote_bench ringactor: %s\n", to_string(e).c_str());
    failed = true;
  };
  auto clock = std::chrono::steady_clock::now;
  if (w == workload::ping_pong) {
    std::string payload(small_payload, 'p');
    // A few round trips first: the endpoints' wire-up is not measured.
    for (int i = 0; i < 10 && !failed; ++i)
      self->request(*server, 10s, echo_payload{payload})
        .receive([](const echo_payload&) {}, on_error);
    out.latencies_us.reserve(messages);
    auto start = clock();
    for (std::size_t i = 0; i < messages && !failed; ++i) {
      auto t0 = clock();
      self->request(*server, 10s, echo_payload{payload})
        .receive(
          [&](const echo_payload& p) {
            if (p.data.size() != payload.size())
              failed = true;
          },
          on_error);
      out.latencies_us.push_back(std::chrono::duration<double, std::micro>(clock() - t0).count());
    }
    out.seconds = std::chrono::duration<double>(clock() - start).count();
    out.messages = messages;
    out.ok = !failed;
    return out;
  }
  std::string payload(w == workload::throughput_64b ? small_payload : large_payload, 's');
  self->request(*server, 10s, get_count{}).receive([](count_reply) {}, on_error); // wired up
  auto start = clock();
  for (std::size_t i = 0; i < messages; ++i)
    self->send(*server, sink_payload{payload});
  std::int64_t received = -1;
  self->request(*server, 300s, get_count{})
    .receive([&](count_reply r) { received = r.received; }, on_error);
  out.seconds = std::chrono::duration<double>(clock() - start).count();
  out.messages = messages;
  out.ok = !failed && received == static_cast<std::int64_t>(messages);
  if (!failed && !out.ok)
    std::fprintf(stderr, "remote_bench ringactor: the server counted %lld of %zu\n",
                 static_cast<long long>(received), messages);
  return out;
}

} // namespace remote_bench
