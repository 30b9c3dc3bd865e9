// K2K benchmarks (issue 5), ringactor only, labelled with the backend the
// kernels ran on (a figure is a GPU figure only when measured on a GPU):
//
// - device channel round trip: two kernels play a rally over the device
//   channels the broker set up (kernel -> kernel, no host), versus the same
//   rally routed through the host: kernel -> K2H -> relay actor -> broker ->
//   H2K -> kernel.
// - device channel throughput: a producer kernel streams checksummed tokens
//   to a consumer kernel, versus the same stream through the host broker.
// - broker delivery throughput: host actor -> broker -> host endpoint.
//
//   k2k_bench [--quick|--tiny] [--workers N] [--backend cpu|cuda|auto]
//
// --backend: cpu (the default) runs every kernel on the CPU backend, cuda on
// CUDA device 0, auto on CUDA where a device is usable, else the CPU. Where
// CUDA is asked for and not usable, it says why and exits with 77 (skip).
#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include <ringactor/all.hpp>
#include <ringactor/gpu/k2k_port.hpp>
#include <ringactor/gpu/kernel_actor.hpp>
#include <ringactor/k2k/broker.hpp>

// The producer and consumer kernels of the k2k tests (one definition).
#include "../../test/k2k/device_channel_kernels.hpp"
#include "rally_kernel.hpp"
#include "report.hpp"

using namespace ringactor;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using namespace k2k_device_test;

namespace k2k_device_test {
// The stream through the host broker carries the same tokens.
RINGACTOR_K2K_ROUTABLE(token, "bench.k2k")
} // namespace k2k_device_test

namespace bench_k2k {
// The rally's ball travels through the host broker too.
RINGACTOR_K2K_ROUTABLE(ball, "bench.k2k")
} // namespace bench_k2k

namespace {

using bench_k2k::ball;
using bench_k2k::rally_done;
using bench_k2k::serve;
using rally_if = typed_actor<result<void>(serve), result<void>(ball)>;
using producer_if = typed_actor<result<emitted>(emit)>;
using consumer_if = typed_actor<result<counts>(get_counts), result<void>(token)>;

/// The backend every kernel of the run uses (main sets it once, from --backend).
kernel_backend run_backend = kernel_backend::cpu;

kernel_config kernel_on_backend(const char* name) {
  kernel_config cfg;
  cfg.backend = run_backend;
  cfg.name = name;
  return cfg;
}

void must(bool ok, const char* what) {
  if (!ok)
    throw std::runtime_error(what);
}

template <class Handle>
void register_at(scoped_actor& self, const k2k::broker& b, std::string name, const Handle& h) {
  must(self->request(b, 5s, k2k::register_endpoint{std::move(name), h}).get().has_value(),
       "register_endpoint failed");
}

/// A host actor that forwards what it gets to the test's scoped actor.
actor forwarder(actor_system& sys, const actor& to) {
  return sys.spawn([to](event_based_actor* me) -> behavior {
    return {[me, to](const rally_done& d) { me->send(to, d); }};
  });
}

/// A host actor that hands every ball (or token) to the broker for `dest`;
/// the broker answers each with a receipt, which must say delivered.
template <class T>
actor relay(actor_system& sys, k2k::broker b, std::string dest) {
  return sys.spawn([b, dest](event_based_actor* me) -> behavior {
    return {
      [me, b, dest](const T& x) { me->send(b, k2k::make_send(dest, x)); },
      [](const k2k::receipt& r) {
        if (!r.ok())
          fmt::print(stderr, "k2k_bench: the host broker did not deliver: {}\n", r.status);
      },
    };
  });
}

/// Seconds per rally of `rounds` balls; through the host when `via_host`.
double rally_seconds(actor_system& sys, std::uint64_t rounds, bool via_host) {
  auto b = k2k::spawn_broker(sys, {.queue_capacity = 1 << 20});
  scoped_actor self{sys};
  auto a = spawn_kernel<rally_if>(sys, bench_k2k::rally{}, kernel_on_backend("rally-a"));
  auto z = spawn_kernel<rally_if>(sys, bench_k2k::rally{}, kernel_on_backend("rally-z"));
  register_at(self, b, "a", a);
  register_at(self, b, "z", z);
  register_at(self, b, "host", forwarder(sys, self.as_actor()));
  auto peer_of_a = k2k_address("z");
  auto peer_of_z = k2k_address("a");
  if (via_host) {
    register_at(self, b, "to-z", relay<ball>(sys, b, "z"));
    register_at(self, b, "to-a", relay<ball>(sys, b, "a"));
    peer_of_a = k2k_address("to-z");
    peer_of_z = k2k_address("to-a");
  }
  self->request(z, 5s, serve{peer_of_z, k2k_address("host"), rounds, 0})
    .receive([] {}, [](const error&) {});
  auto t0 = clock_type::now();
  self->send(a, serve{peer_of_a, k2k_address("host"), rounds, 1});
  bool done = false;
  self->receive_for(120s, [&](const rally_done& d) { done = d.n == rounds; });
  auto t1 = clock_type::now();
  must(done, "the rally did not finish");
  return std::chrono::duration<double>(t1 - t0).count();
}

/// How the stream's tokens travel from the producer kernel to the consumer.
enum class stream_path {
  device_channel, ///< both at one broker: a device channel
  host_relay,     ///< K2H to a host actor that sends each to the broker
  broker_route,   ///< producer at broker a, consumer at broker b, a's route: a -> b
};

/// Messages per second from a producer kernel to a consumer kernel.
double stream_per_s(actor_system& sys, std::uint64_t n, stream_path path) {
  auto b = k2k::spawn_broker(sys, {.queue_capacity = 1 << 22, .max_in_flight = 64});
  scoped_actor self{sys};
  auto prod = spawn_kernel<producer_if>(sys, producer{}, kernel_on_backend("prod"));
  consumer c;
  c.sender = k2k_address("prod");
  c.node = 0;
  auto cons = spawn_kernel<consumer_if>(sys, c, kernel_on_backend("cons"));
  auto dest = k2k_address("cons");
  k2k::broker far;
  if (path == stream_path::broker_route) {
    far = k2k::spawn_broker(sys, {.queue_capacity = 1 << 22, .max_in_flight = 64});
    register_at(self, b, "prod", prod);
    register_at(self, far, "cons", cons);
    register_at(self, b, "far", actor{far.ctrl()});
    must(self->request(b, 5s, k2k::add_route{"cons", "far"}).get().has_value(), "add_route failed");
  } else {
    register_at(self, b, "prod", prod);
    register_at(self, b, "cons", cons);
  }
  if (path == stream_path::host_relay) {
    register_at(self, b, "to-cons", relay<token>(sys, b, "cons"));
    dest = k2k_address("to-cons");
  }
  auto t0 = clock_type::now();
  constexpr std::uint32_t batch = 10'000;
  for (std::uint64_t first = 0; first < n; first += batch) {
    auto r = self->request(prod, 60s, emit{dest, first, batch, 1}).get();
    must(r && r->sent == batch, "the producer did not send its batch");
  }
  for (;;) {
    auto cnt = self->request(cons, 10s, get_counts{}).get();
    must(cnt.has_value(), "the consumer did not answer");
    if (cnt->received >= n) {
      must(cnt->torn == 0 && cnt->out_of_order == 0, "torn or reordered tokens");
      break;
    }
    if (clock_type::now() - t0 > 120s)
      throw std::runtime_error("the stream did not complete");
  }
  auto t1 = clock_type::now();
  return static_cast<double>(n) / std::chrono::duration<double>(t1 - t0).count();
}

/// Host actor -> broker -> host endpoint, a window of 256 requests.
double broker_delivery_per_s(actor_system& sys, int n) {
  auto b = k2k::spawn_broker(sys, {.max_in_flight = 64});
  scoped_actor self{sys};
  auto sink = sys.spawn([]() -> behavior { return {[](const ball&) {}}; });
  register_at(self, b, "sink", sink);
  auto t0 = clock_type::now();
  int delivered = 0;
  std::vector<blocking_response_handle<k2k::receipt>> window;
  for (int next = 0; next < n;) {
    window.clear();
    for (; next < n && window.size() < 256; ++next)
      window.push_back(self->request(b, 30s, k2k::make_send("sink", ball{std::uint64_t(next)})));
    for (auto& h : window)
      h.receive([&](const k2k::receipt& r) { delivered += r.ok() ? 1 : 0; }, [](const error&) {});
  }
  auto t1 = clock_type::now();
  must(delivered == n, "the broker did not deliver everything");
  return n / std::chrono::duration<double>(t1 - t0).count();
}

} // namespace

int main(int argc, char** argv) {
  int scale = 100;
  std::size_t workers = 2;
  std::string backend_name = "cpu";
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--quick")
      scale = 10;
    else if (arg == "--tiny")
      scale = 1;
    else if (arg == "--workers" && i + 1 < argc)
      workers = std::stoul(argv[++i]);
    else if (arg == "--backend" && i + 1 < argc)
      backend_name = argv[++i];
    else {
      fmt::print(stderr,
                 "usage: k2k_bench [--quick|--tiny] [--workers N] [--backend cpu|cuda|auto]\n");
      return 2;
    }
  }
  if (backend_name == "cpu")
    run_backend = kernel_backend::cpu;
  else if (backend_name == "cuda")
    run_backend = kernel_backend::cuda;
  else if (backend_name == "auto")
    run_backend = cuda_backend_compiled() && cuda_device_count() > 0 ? kernel_backend::cuda
                                                                     : kernel_backend::cpu;
  else {
    fmt::print(stderr, "k2k_bench: unknown backend '{}' (cpu, cuda or auto)\n", backend_name);
    return 2;
  }
  bench::reporter out{"ringactor", workers};
  actor_system sys{actor_system_config{}.set_workers(workers)};
  if (run_backend == kernel_backend::cuda) {
    // One kernel first, so that a machine without a usable GPU (or a build
    // without the CUDA backend) gets a clear message rather than a failure
    // halfway through.
    try {
      (void) spawn_kernel<rally_if>(sys, bench_k2k::rally{}, kernel_on_backend("probe"));
    } catch (const std::exception& ex) {
      fmt::print(stderr, "k2k_bench: --backend {} cannot use CUDA here: {}\n", backend_name,
                 ex.what());
      return 77;
    }
  }
  // Labels say where a figure was measured (kernel_bench's convention).
  const std::string where = run_backend == kernel_backend::cuda ? "cuda" : "cpu_backend";
  const auto device_label = "k2k_device_channel_" + where;
  const auto host_label = "k2k_via_host_broker_" + where;

  auto rounds = static_cast<std::uint64_t>(std::max(1000, 200'000 * scale / 100));
  auto device_rt = rally_seconds(sys, rounds, false) / static_cast<double>(rounds) * 2e6;
  auto host_rounds = std::max<std::uint64_t>(200, rounds / 10);
  auto host_rt = rally_seconds(sys, host_rounds, true) / static_cast<double>(host_rounds) * 2e6;
  out.emit(device_label, "round_trip_mean_us", device_rt, "us");
  out.emit(host_label, "round_trip_mean_us", host_rt, "us");
  out.emit(device_label, "round_trip_speedup_over_host_broker", host_rt / device_rt, "x");

  auto n = static_cast<std::uint64_t>(std::max(20'000, 2'000'000 * scale / 100));
  auto slow_n = std::max<std::uint64_t>(20'000, n / 10);
  auto device_tp = stream_per_s(sys, n, stream_path::device_channel);
  auto host_tp = stream_per_s(sys, slow_n, stream_path::host_relay);
  auto routed_tp = stream_per_s(sys, slow_n, stream_path::broker_route);
  out.emit(device_label, "messages_per_s", device_tp, "1/s");
  out.emit(host_label, "messages_per_s", host_tp, "1/s");
  out.emit(device_label, "throughput_speedup_over_host_broker", device_tp / host_tp, "x");
  // A kernel's send to a destination behind its broker's route: K2H to
  // broker a, forwarded to broker b, delivered to the consumer kernel.
  out.emit("k2k_kernel_routed_two_brokers_" + where, "messages_per_s", routed_tp, "1/s");

  out.emit("k2k_broker_delivery", "messages_per_s",
           broker_delivery_per_s(sys, std::max(2000, 200'000 * scale / 100)), "1/s");
  return 0;
}
