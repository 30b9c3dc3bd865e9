// remote_bench: see remote_bench.hpp. Prints one JSON line per workload,
// transport and implementation, the two implementations alternating:
//   {"bench":"remote_ping_pong_tcp","impl":"ringactor","p50_us":21.5,
//    "p99_us":40.1,"messages_per_s":45000,"workers":2}
//
//   remote_bench [--quick | --tiny] [--workers N] [--only SUBSTRING]
//   (--only: the workloads whose bench name contains SUBSTRING, e.g.
//   "throughput_tcp_64k" or "_shm")
//   remote_bench --serve ringactor|caf tcp|shm [--workers N]   (the server side)
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "process_stats.hpp" // bench/common: percentile by nearest rank
#include "remote_bench.hpp"

extern char** environ;

namespace remote_bench {

server_process::server_process(const std::string& program, const std::string& impl,
                               const std::string& transport, std::size_t workers) {
  int in[2];
  int out[2];
  if (::pipe(in) != 0 || ::pipe(out) != 0)
    return;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_addclose(&fa, in[1]);
  posix_spawn_file_actions_addclose(&fa, out[0]);
  auto w = std::to_string(workers);
  std::vector<std::string> args{program, "--serve", impl, transport, "--workers", w};
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  auto rc = ::posix_spawn(&pid, program.c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(in[0]);
  ::close(out[1]);
  stdin_ = in[1];
  stdout_ = out[0];
  if (rc != 0)
    return;
  pid_ = pid;
  std::string line;
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds{20};
  while (std::chrono::steady_clock::now() < until) {
    pollfd p{.fd = stdout_, .events = POLLIN, .revents = 0};
    if (::poll(&p, 1, 100) <= 0)
      continue;
    char c = 0;
    if (::read(stdout_, &c, 1) != 1 || c == '\n')
      break;
    line += c;
  }
  if (line.rfind("port ", 0) == 0)
    port_ = static_cast<std::uint16_t>(std::atoi(line.c_str() + 5));
}

server_process::~server_process() {
  if (stdin_ >= 0)
    ::close(stdin_);
  if (pid_ > 0) {
    // A clean stop first (stdin closed); killed after 10 s.
    for (int i = 0; i < 1000; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds{10});
    }
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  if (stdout_ >= 0)
    ::close(stdout_);
}

void announce_and_wait(std::uint16_t port) {
  std::printf("port %u\n", static_cast<unsigned>(port));
  std::fflush(stdout);
  auto until = std::chrono::steady_clock::now() + std::chrono::minutes{10};
  while (std::chrono::steady_clock::now() < until) {
    pollfd p{.fd = 0, .events = POLLIN, .revents = 0};
    if (::poll(&p, 1, 200) > 0) {
      char buf[64];
      if (::read(0, buf, sizeof(buf)) <= 0)
        return; // stdin closed: the client is done
    }
  }
}

} // namespace remote_bench

namespace {

using namespace remote_bench;

std::string self_path() {
  char buf[4096];
  auto n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string{};
}

std::string bench_name(workload w, const std::string& transport) {
  switch (w) {
    case workload::ping_pong: return "remote_ping_pong_" + transport;
    case workload::throughput_64b: return "remote_throughput_" + transport + "_64b";
    case workload::throughput_64k: return "remote_throughput_" + transport + "_64k";
  }
  return "?";
}

/// Runs one workload for one implementation and prints its line; false if
/// it failed (the line then says so).
bool run_one(workload w, const std::string& impl, const std::string& transport,
             std::size_t messages, std::size_t workers) {
  auto name = bench_name(w, transport);
  server_process server{self_path(), impl, transport, workers};
  measured m;
  if (server.port() == 0) {
    std::fprintf(stderr, "remote_bench %s %s: the server printed no port\n", impl.c_str(),
                 name.c_str());
  } else if (impl == "ringactor") {
    m = run_ringactor(w, transport, server.port(), messages, workers);
  } else {
    m = run_caf(w, server.port(), messages, workers);
  }
  if (!m.ok) {
    std::printf("{\"bench\":\"%s\",\"impl\":\"%s\",\"metric\":\"exit_status\",\"value\":1,"
                "\"unit\":\"\",\"workers\":%zu}\n",
                name.c_str(), impl.c_str(), workers);
    std::fflush(stdout);
    return false;
  }
  auto rate = m.seconds > 0 ? static_cast<double>(m.messages) / m.seconds : 0.0;
  if (w == workload::ping_pong)
    std::printf("{\"bench\":\"%s\",\"impl\":\"%s\",\"p50_us\":%.2f,\"p99_us\":%.2f,"
                "\"messages_per_s\":%.0f,\"workers\":%zu}\n",
                name.c_str(), impl.c_str(), bench::percentile(m.latencies_us, 50),
                bench::percentile(m.latencies_us, 99), rate, workers);
  else
    std::printf("{\"bench\":\"%s\",\"impl\":\"%s\",\"messages_per_s\":%.0f,\"workers\":%zu}\n",
                name.c_str(), impl.c_str(), rate, workers);
  std::fflush(stdout);
  return true;
}

int usage() {
  std::fprintf(stderr, "usage: remote_bench [--quick | --tiny] [--workers N] [--only SUBSTRING]\n"
                       "       remote_bench --serve ringactor|caf tcp|shm [--workers N]\n");
  return 2;
}

} // namespace

int main(int argc, char** argv) {
  sizes size{20'000, 200'000, 5'000};
  std::size_t workers = 2;
  std::string serve_impl;
  std::string serve_transport;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--quick") {
      size = {2'000, 20'000, 1'000};
    } else if (a == "--tiny") {
      size = {100, 500, 20};
    } else if (a == "--workers" && i + 1 < argc) {
      workers = static_cast<std::size_t>(std::max(1, std::atoi(argv[++i])));
    } else if (a == "--only" && i + 1 < argc) {
      only = argv[++i];
    } else if (a == "--serve" && i + 2 < argc) {
      serve_impl = argv[++i];
      serve_transport = argv[++i];
    } else {
      return usage();
    }
  }
  if (!serve_impl.empty()) {
    if (serve_impl == "ringactor")
      return serve_ringactor(serve_transport, workers);
    if (serve_impl == "caf")
      return serve_caf(workers);
    return usage();
  }
  bool ok = true;
  for (std::string transport : {"tcp", "shm"})
    for (auto w : {workload::ping_pong, workload::throughput_64b, workload::throughput_64k}) {
      if (bench_name(w, transport).find(only) == std::string::npos)
        continue;
      auto n = w == workload::ping_pong        ? size.round_trips
               : w == workload::throughput_64b ? size.small_messages
                                               : size.large_messages;
      ok &= run_one(w, "ringactor", transport, n, workers);
      if (transport == "tcp") // caf::io speaks TCP only
        ok &= run_one(w, "caf", transport, n, workers);
    }
  return ok ? 0 : 1;
}
