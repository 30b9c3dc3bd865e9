// Remote messaging benchmarks (issue 24): ringactor's nodes (remote/, UCX)
// against CAF 0.17's own remoting (caf::io publish / remote_actor, BASP over
// TCP) on the same workloads, each side a client in this process and a
// server in a child process (this program, started with --serve):
//   ping_pong       request/reply round trips of a 64-byte payload, one at
//                   a time: p50_us, p99_us (and messages_per_s: round trips)
//   throughput_64b  one-way sends of 64-byte payloads to a counting actor,
//   throughput_64k  and of 64-KiB payloads, until it has counted them all
//                   (its answer to a count request, which the per-sender
//                   order puts behind them): messages_per_s
// over TCP loopback and over shared memory (ringactor only: caf::io has no
// shared memory transport).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace remote_bench {

enum class workload { ping_pong, throughput_64b, throughput_64k };

/// How many messages each workload sends at each scale.
struct sizes {
  std::size_t round_trips;
  std::size_t small_messages;
  std::size_t large_messages;
};

/// What a client run measured: latencies (ping_pong) and the elapsed time.
struct measured {
  std::vector<double> latencies_us;
  double seconds = 0;
  std::size_t messages = 0;
  bool ok = false;
};

constexpr std::size_t small_payload = 64;
constexpr std::size_t large_payload = 64 * 1024;

/// A server child: started by the client, prints "port N", serves until its
/// stdin closes.
class server_process {
public:
  /// Starts `program --serve IMPL TRANSPORT --workers N`.
  server_process(const std::string& program, const std::string& impl, const std::string& transport,
                 std::size_t workers);
  ~server_process();
  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;

  /// The port it printed, 0 if it printed none in 20 s.
  std::uint16_t port() const noexcept { return port_; }

private:
  int pid_ = -1;
  int stdin_ = -1;
  int stdout_ = -1;
  std::uint16_t port_ = 0;
};

/// Prints "port N" on stdout and serves until stdin closes (at most 10 min).
void announce_and_wait(std::uint16_t port);

// -- ringactor (remote_ringactor.cpp) ----------------------------------------------

int serve_ringactor(const std::string& transport, std::size_t workers);
measured run_ringactor(workload w, const std::string& transport, std::uint16_t port,
                       std::size_t messages, std::size_t workers);

// -- CAF 0.17 (remote_caf.cpp) --------------------------------------------------

int serve_caf(std::size_t workers);
measured run_caf(workload w, std::uint16_t port, std::size_t messages, std::size_t workers);

} // namespace remote_bench
