// http_bench's shared pieces: options, the drive() loop every side runs
// (clients in threads, a stop flag, latencies, the merge), the report line,
// the bare servers' listener, the ringactor sides' server and the adder pool
// the ringactor and in-process sides serve. grpc_bench uses the result,
// percentile, the report line and the adder pool too.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/error.hpp>
#include <fmt/format.h>

#include <ringactor/service/http_server.hpp>
#include <ringactor/service/registry.hpp>

#include "../../service/demo_services.hpp"

namespace http_bench {

using namespace ringactor;
using clock = std::chrono::steady_clock;

struct options {
  double seconds = 3.0;
  int connections = 16;
  std::size_t workers = 2;
  int tiny_requests = 0; // > 0: this many requests per client, then stop
};

struct result {
  std::vector<double> latencies_us;
  double seconds = 0;
  long wrong = 0;
};

inline double percentile(std::vector<double>& xs, double p) {
  if (xs.empty())
    return 0;
  auto k = static_cast<std::size_t>(p * static_cast<double>(xs.size() - 1));
  std::nth_element(xs.begin(), xs.begin() + static_cast<std::ptrdiff_t>(k), xs.end());
  return xs[k];
}

/// One JSON line: {"bench":<bench>,"impl":<impl>,"p50_us":..,"p99_us":..,
/// <rate_key>:..,<width_key>:<width>,"seconds":..} (http_bench's rate is
/// "requests_per_s" over "connections", grpc_bench's "calls_per_s" over
/// "channels").
inline void report_line(std::string_view bench, std::string_view impl, result& r,
                        std::string_view rate_key, std::string_view width_key, int width) {
  auto n = static_cast<double>(r.latencies_us.size());
  auto p50 = percentile(r.latencies_us, 0.50);
  auto p99 = percentile(r.latencies_us, 0.99);
  fmt::print("{{\"bench\":\"{}\",\"impl\":\"{}\",\"p50_us\":{:.1f},\"p99_us\":{:.1f},"
             "\"{}\":{:.0f},\"{}\":{},\"seconds\":{:.2f}}}\n",
             bench, impl, p50, p99, rate_key, r.seconds > 0 ? n / r.seconds : 0.0, width_key, width,
             r.seconds);
  std::fflush(stdout);
}

/// One JSON line: {"bench":<bench>,"impl":<impl>,"p50_us":..,"p99_us":..,
/// "requests_per_s":..,"connections":..,"seconds":..}.
inline void report(std::string_view bench, std::string_view impl, result& r, const options& o) {
  report_line(bench, impl, r, "requests_per_s", "connections", o.connections);
}

/// The number after "output": in a reply, or a value no sum has.
inline long output_of(std::string_view body) {
  auto at = body.find("\"output\":");
  return at == std::string_view::npos ? -1 : std::strtol(body.data() + at + 9, nullptr, 10);
}

/// Runs `per_thread(t, stop, part)` on `threads` threads at once, each
/// measuring into its own part: for `seconds`, then `stop` is set, or, when
/// `fixed_count`, until each has made its fixed number of calls. Returns the
/// parts merged, with the time it all took.
template <class PerThread>
result run_threads(int threads, double seconds, bool fixed_count, PerThread per_thread) {
  std::vector<result> parts(static_cast<std::size_t>(threads));
  std::atomic<bool> stop{false}; // set once by this thread; the others poll it (relaxed)
  auto started = clock::now();
  std::vector<std::thread> running;
  for (int t = 0; t < threads; ++t)
    running.emplace_back([&, t] {
      per_thread(t, std::as_const(stop), parts[static_cast<std::size_t>(t)]);
    });
  if (!fixed_count) {
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop.store(true, std::memory_order_relaxed);
  }
  for (auto& t : running)
    t.join();
  result all;
  all.seconds = std::chrono::duration<double>(clock::now() - started).count();
  for (auto& q : parts) {
    all.latencies_us.insert(all.latencies_us.end(), q.latencies_us.begin(), q.latencies_us.end());
    all.wrong += q.wrong;
  }
  return all;
}

/// Runs o.connections clients at once, each in its own thread, for
/// o.seconds (or o.tiny_requests calls each): make_client(c) makes client
/// c's call, which takes the request number and returns whether the answer
/// was right. Each call's latency is kept.
template <class MakeClient>
result drive(const options& o, MakeClient make_client) {
  return run_threads(
    o.connections, o.seconds, o.tiny_requests > 0,
    [&](int c, const std::atomic<bool>& stop, result& part) {
      auto call = make_client(c);
      if (!call) {
        ++part.wrong;
        return;
      }
      for (int i = 0;
           o.tiny_requests > 0 ? i < o.tiny_requests : !stop.load(std::memory_order_relaxed); ++i) {
        auto t0 = clock::now();
        bool right = (*call)(i);
        auto t1 = clock::now();
        if (!right)
          ++part.wrong;
        part.latencies_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
      }
    });
}

/// drive() with one connection per client: Client(port) connects (a client
/// that does not is a wrong answer), `call(client, c, i)` makes client c's
/// call i on it and returns whether the answer was right.
template <class Client, class Call>
result drive_clients(std::uint16_t port, const options& o, Call call) {
  return drive(o, [port, call](int c) {
    auto cl = std::make_shared<Client>(port);
    using call_fn = std::function<bool(int)>;
    if (!cl->connected())
      return std::optional<call_fn>{};
    return std::optional<call_fn>{[cl, c, call](int i) { return call(*cl, c, i); }};
  });
}

/// A bare server's listener: accepts on 127.0.0.1 (a free port) on one
/// network thread and starts a Session(socket) per connection, no actors.
template <class Session>
class bare_listener {
public:
  bare_listener() : acceptor_(boost::asio::make_strand(io_)) {
    boost::asio::ip::tcp::endpoint at{boost::asio::ip::make_address("127.0.0.1"), 0};
    acceptor_.open(at.protocol());
    acceptor_.set_option(boost::asio::socket_base::reuse_address(true));
    acceptor_.bind(at);
    acceptor_.listen();
    accept();
    thread_ = std::thread{[this] { io_.run(); }};
  }
  ~bare_listener() {
    io_.stop();
    thread_.join();
  }
  bare_listener(const bare_listener&) = delete;
  bare_listener& operator=(const bare_listener&) = delete;

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

private:
  void accept() {
    acceptor_.async_accept(boost::asio::make_strand(io_),
                           [this](boost::beast::error_code ec, boost::asio::ip::tcp::socket s) {
                             if (ec)
                               return;
                             std::make_shared<Session>(std::move(s))->start();
                             accept();
                           });
  }
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
};

/// The pool both ringactor sides and the in-process side serve: 2 adder
/// kernels, least loaded, on the CPU backend (the default of
/// add_demo_service: the figures are labelled as such).
struct adder_pool {
  actor_system sys;
  service::registry reg;
  actor pool;
  // As ringactor-server runs it (server_schema: system.idle_yield = true).
  // `program` names the benchmark in the message when the pool does not
  // start.
  explicit adder_pool(std::size_t workers, std::string_view program = "http_bench")
    : sys(actor_system_config{}.set_workers(workers).set_idle_yield(true)) {
    telemetry::pool_spec spec;
    spec.name = "adder";
    spec.kind = telemetry::worker_kind::kernel;
    spec.type_name = "adder";
    spec.size = 2;
    spec.dispatch = supervision::least_loaded{};
    if (auto added = service::demo::add_demo_service(sys, spec, reg); !added || !*added) {
      fmt::print(stderr, "{}: the adder pool does not start\n", program);
      std::exit(1);
    }
    pool = reg.find("adder")->handle;
  }
};

/// A ringactor side: the adder pool behind an http_server on 127.0.0.1 (a
/// free port, one network thread) with the routes `add_routes(server, sys,
/// reg)` adds, driven by `drive_side(port, o)`.
template <class AddRoutes, class DriveSide>
result run_ringactor_side(const options& o, AddRoutes add_routes, DriveSide drive_side) {
  adder_pool p{o.workers};
  service::http_server server{{.address = "127.0.0.1", .port = 0, .threads = 1}};
  add_routes(server, p.sys, p.reg);
  if (auto r = server.start(); !r) {
    fmt::print(stderr, "http_bench: {}\n", to_string(r.error()));
    std::exit(1);
  }
  auto r = drive_side(server.port(), o);
  server.stop();
  return r;
}

// -- the WebSocket sides (ws_sides.cpp) -------------------------------------------

/// ringactor's GET /ws (http_server + add_websocket_routes + registry +
/// pool): one connection per client, one execute frame at a time.
result run_ringactor_ws(const options& o);
/// A bare Beast WebSocket server, no actors: the same JSON parse and reply.
result run_bare_ws(const options& o);

} // namespace http_bench
