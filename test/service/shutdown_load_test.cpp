// ringactor-server's graceful shutdown with 1,000 requests in flight: every
// request the server accepted gets exactly one answer (its reply, or 503
// shutting_down past http.shutdown_grace), none is lost, and the process
// exits 0.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "server_process.hpp"

namespace {

using namespace std::chrono_literals;
using namespace service_test;

// One slow worker whose queue holds every request for longer than the test
// runs: at SIGTERM nearly all of them wait in the pool.
constexpr std::string_view config = R"(
[http]
shutdown_grace = "1s"
max_connections = 2048

[pools.slow]
actor = "sleeper"
size = 1
queue_capacity = 2048
queue_timeout = "30s"
worker_timeout = "30s"
)";

} // namespace

TEST_SUITE_BEGIN("service");

TEST_CASE("SIGTERM with 1,000 requests in flight answers each of them once, 200 or 503 "
          "shutting_down, and exits 0") {
  constexpr int requests = 1'000;
  rlimit lim{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &lim) == 0);
  lim.rlim_cur = std::max<rlim_t>(lim.rlim_cur, std::min<rlim_t>(lim.rlim_max, 4'096));
  ::setrlimit(RLIMIT_NOFILE, &lim);
  REQUIRE_MESSAGE(lim.rlim_cur >= 2 * requests + 200, "too few file descriptors");
  auto path = std::filesystem::temp_directory_path()
              / ("shutdown_load_" + std::to_string(::getpid()) + ".toml");
  {
    std::ofstream out{path};
    out << config;
  }
  server_process s{RINGACTOR_REST_TEST_SERVER, {"--config", path.string()}};
  std::filesystem::remove(path);
  REQUIRE_MESSAGE(s.port() != 0, s.output());
  // Each request on its own connection: 20 ms of sleep each, one worker.
  std::string nap = "POST /kernels/slow/rest_test.nap HTTP/1.1\r\nHost: x\r\n"
                    "Content-Length: 9\r\n\r\n{\"ms\":20}";
  std::vector<int> fds;
  for (int i = 0; i < requests; ++i) {
    int fd = connect_loopback(s.port());
    REQUIRE(fd >= 0);
    REQUIRE(::send(fd, nap.data(), nap.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(nap.size()));
    fds.push_back(fd);
  }
  // Every request reached the pool before the signal: answered already, or
  // held (on the worker or queued), nearly all of them still held.
  long held = 0;
  long served = 0;
  auto until = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < until) {
    auto stats = get(s.port(), "/kernels/slow");
    auto pool = body_of(stats).substr(std::min(body_of(stats).find("\"pool\""), stats.size()));
    held = number_after(pool, "in_flight") + number_after(pool, "queued");
    served = number_after(pool, "served");
    if (held + served >= requests)
      break;
    std::this_thread::sleep_for(10ms);
  }
  REQUIRE_MESSAGE(held + served >= requests,
                  "the pool holds " << held << " and served " << served << " of " << requests);
  CHECK(held >= requests * 9 / 10);
  s.signal(SIGTERM);
  // Each connection gets one response (bounded: grace + margin), then the
  // server closes it.
  std::map<std::string, int> answers; // "200", "503 shutting_down", ...
  std::vector<std::string> got(fds.size());
  std::vector<char> done(fds.size(), 0);
  int finished = 0;
  until = std::chrono::steady_clock::now() + 30s;
  while (finished < static_cast<int>(fds.size()) && std::chrono::steady_clock::now() < until) {
    std::vector<pollfd> ps;
    std::vector<std::size_t> at;
    for (std::size_t i = 0; i < fds.size(); ++i)
      if (!done[i]) {
        ps.push_back({fds[i], POLLIN, 0});
        at.push_back(i);
      }
    if (::poll(ps.data(), ps.size(), 200) <= 0)
      continue;
    for (std::size_t k = 0; k < ps.size(); ++k) {
      if (!(ps[k].revents & (POLLIN | POLLHUP | POLLERR)))
        continue;
      char buf[4096];
      auto n = ::recv(ps[k].fd, buf, sizeof(buf), 0);
      auto i = at[k];
      if (n > 0) {
        got[i].append(buf, static_cast<std::size_t>(n));
        continue; // read on until the server closes it
      }
      done[i] = 1;
      ++finished;
    }
  }
  CHECK(finished == static_cast<int>(fds.size()));
  int answered = 0;
  for (auto& r : got) {
    // Exactly one response per connection.
    auto responses = 0;
    for (std::size_t p = 0; (p = r.find("HTTP/1.1 ", p)) != std::string::npos; ++p)
      ++responses;
    if (responses != 1) {
      ++answers["responses: " + std::to_string(responses)];
      continue;
    }
    ++answered;
    auto status = status_of(r);
    if (status == 200)
      ++answers["200"];
    else if (status == 503 && r.find(R"("error":"shutting_down")") != std::string::npos)
      ++answers["503 shutting_down"];
    else
      ++answers[std::to_string(status) + " " + std::string{body_of(r).substr(0, 60)}];
  }
  std::string summary;
  for (auto& [k, v] : answers)
    summary += k + ": " + std::to_string(v) + "; ";
  MESSAGE(requests << " requests in flight at SIGTERM: " << summary);
  CHECK(answered == requests);
  CHECK(answers["200"] + answers["503 shutting_down"] == requests);
  CHECK(answers["200"] >= 1); // the grace let the worker finish some
  for (int fd : fds)
    ::close(fd);
  auto status = s.wait(20s);
  REQUIRE(status.has_value());
  CHECK_MESSAGE(*status == 0, s.output());
}

TEST_SUITE_END();
