// remote_bench, CAF 0.17's side: caf::io's publish / remote_actor (BASP over
// TCP), the server publishing one actor that echoes a std::string and counts
// (msg_atom, std::string).
#include <chrono>
#include <cstdio>
#include <string>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "remote_bench.hpp"

namespace remote_bench {

namespace {

using msg_atom = caf::atom_constant<caf::atom("msg")>;
using count_atom = caf::atom_constant<caf::atom("count")>;

void configure(caf::actor_system_config& cfg, std::size_t workers) {
  cfg.set("scheduler.max-threads", workers);
  cfg.load<caf::io::middleman>();
}

} // namespace

int serve_caf(std::size_t workers) {
  caf::actor_system_config cfg;
  configure(cfg, workers);
  caf::actor_system sys{cfg};
  auto server = sys.spawn([]() -> caf::behavior {
    auto received = std::make_shared<std::int64_t>(0);
    return {[](std::string& s) { return std::move(s); },
            [received](msg_atom, const std::string&) { ++*received; },
            [received](count_atom) { return *received; }};
  });
  auto port = caf::io::publish(server, 0, "127.0.0.1");
  if (!port) {
    std::fprintf(stderr, "remote_bench caf server: %s\n", sys.render(port.error()).c_str());
    return 1;
  }
  announce_and_wait(*port);
  caf::anon_send_exit(server, caf::exit_reason::user_shutdown);
  return 0;
}

measured run_caf(workload w, std::uint16_t port, std::size_t messages, std::size_t workers) {
  measured out;
  caf::actor_system_config cfg;
  configure(cfg, workers);
  caf::actor_system sys{cfg};
  auto server = sys.middleman().remote_actor("127.0.0.1", port);
  if (!server) {
    std::fprintf(stderr, "remote_bench caf: remote_actor: %s\n",
                 sys.render(server.error()).c_str());
    return out;
  }
  caf::scoped_actor self{sys};
  bool failed = false;
  auto on_error = [&](caf::error& e) {
    std::fprintf(stderr, "remote_bench caf: %s\n", sys.render(e).c_str());
    failed = true;
  };
  auto timeout = std::chrono::seconds{10};
  auto clock = std::chrono::steady_clock::now;
  if (w == workload::ping_pong) {
    std::string payload(small_payload, 'p');
    for (int i = 0; i < 10 && !failed; ++i)
      self->request(*server, timeout, payload).receive([](std::string&) {}, on_error);
    out.latencies_us.reserve(messages);
    auto start = clock();
    for (std::size_t i = 0; i < messages && !failed; ++i) {
      auto t0 = clock();
      self->request(*server, timeout, payload)
        .receive(
          [&](std::string& p) {
            if (p.size() != payload.size())
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
  self->request(*server, timeout, count_atom::value).receive([](std::int64_t) {}, on_error);
  auto start = clock();
  for (std::size_t i = 0; i < messages; ++i)
    self->send(*server, msg_atom::value, payload);
  std::int64_t received = -1;
  self->request(*server, std::chrono::seconds{300}, count_atom::value)
    .receive([&](std::int64_t n) { received = n; }, on_error);
  out.seconds = std::chrono::duration<double>(clock() - start).count();
  out.messages = messages;
  out.ok = !failed && received == static_cast<std::int64_t>(messages);
  if (!failed && !out.ok)
    std::fprintf(stderr, "remote_bench caf: the server counted %lld of %zu\n",
                 static_cast<long long>(received), messages);
  return out;
}

} // namespace remote_bench
