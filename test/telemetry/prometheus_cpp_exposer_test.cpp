// The prometheus-cpp adapter served the way README shows it: registered
// (as a weak pointer) in a prometheus::Exposer beside an application's
// prometheus::Registry, scraped over HTTP on a free loopback port.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/registry.h>

#include <ringactor/all.hpp>
#include <ringactor/telemetry/prometheus_cpp.hpp>
#include <ringactor/telemetry/prometheus_text.hpp>

#include "prometheus_page.hpp"

using namespace ringactor;
using namespace std::chrono_literals;

namespace {

/// The body of `GET /metrics` on 127.0.0.1:`port`, or nullopt; every
/// socket operation gives up after 5 s.
std::optional<std::string> get_metrics(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return std::nullopt;
  timeval limit{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    std::string request = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL)
        == static_cast<ssize_t>(request.size())) {
      char buf[16384];
      // Bounded: at most 4 MiB, and each read waits at most 5 s.
      for (ssize_t n; response.size() < (4u << 20) && (n = ::recv(fd, buf, sizeof buf, 0)) > 0;)
        response.append(buf, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  auto body = response.find("\r\n\r\n");
  if (!response.starts_with("HTTP/1.1 200") || body == std::string::npos)
    return std::nullopt;
  return response.substr(body + 4);
}

/// `p` without the exposer's own families (exposer_*) and the
/// application's (app_logins_total).
prometheus_page::page ringactor_part(prometheus_page::page p) {
  std::erase_if(p.families, [](auto& kv) {
    return kv.first.starts_with("exposer_") || kv.first == "app_logins_total";
  });
  return p;
}

} // namespace

TEST_SUITE_BEGIN("telemetry");

TEST_CASE("an Exposer on a loopback port serves the system's collectable beside the app's "
          "registry, and only the app's once the system is gone") {
  auto app = std::make_shared<prometheus::Registry>();
  prometheus::BuildCounter()
    .Name("app_logins_total")
    .Help("Logins.")
    .Register(*app)
    .Add({})
    .Increment(3);
  auto sys = std::make_unique<actor_system>(actor_system_config{}.set_workers(2));
  sys->metrics().counter_singleton("app_jobs_total", "Jobs.").inc(4);
  // Declared before the exposer, so destroyed after it: the exposer's
  // threads, which scrape it, are joined first.
  auto adapter = std::make_shared<telemetry::prometheus_collectable>(*sys);
  prometheus::Exposer exposer{"127.0.0.1:0", 1};
  exposer.RegisterCollectable(app);
  exposer.RegisterCollectable(adapter);
  auto ports = exposer.GetListeningPorts();
  REQUIRE(ports.size() == 1);
  REQUIRE(ports[0] > 0);

  auto before = prometheus_page::parse(telemetry::prometheus_text(sys->metrics()));
  auto served = get_metrics(ports[0]);
  auto after = prometheus_page::parse(telemetry::prometheus_text(sys->metrics()));
  REQUIRE(served);
  auto page = prometheus_page::parse(*served);
  CHECK(page.errors.empty());
  for (auto& e : page.errors)
    MESSAGE(e);
  CHECK(page.families["app_logins_total"].samples["app_logins_total"] == 3);
  CHECK(page.families["app_jobs_total"].samples["app_jobs_total"] == 4);
  auto ours = ringactor_part(page);
  CHECK(ours.names() == before.names());
  CHECK(ours.names() == after.names());
  for (auto& entry : ours.families) {
    auto& name = entry.first;
    CHECK_MESSAGE(entry.second.type == before.families[name].type, name);
    CHECK_MESSAGE(entry.second.help == before.families[name].help, name);
    // Label sets: nothing appears or goes in an idle system.
    CHECK_MESSAGE(entry.second.keys() == after.families[name].keys(), name);
  }

  sys.reset();
  served = get_metrics(ports[0]);
  REQUIRE(served);
  page = prometheus_page::parse(*served);
  CHECK(page.errors.empty());
  CHECK(page.families.count("app_logins_total") == 1);
  CHECK(ringactor_part(page).families.empty());
}

TEST_SUITE_END();
