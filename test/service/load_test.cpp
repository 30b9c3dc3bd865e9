// test/service: load with faults. Many keep-alive connections send requests
// to a pool whose workers crash on some of them (the pool restarts each):
// every request gets one response, every response is a documented outcome,
// nothing is lost, and the pool ends with nothing in flight or queued.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "middleware_helpers.hpp"

using namespace service_test;
using namespace std::chrono_literals;

namespace {

// The load: 100,000 requests over 64 connections with 200 faults.
// Sanitizer builds run ten times slower and take a tenth (the suites run
// all the same; only the load is smaller).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool sanitized = true;
#elif defined(__has_feature)
#  if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool sanitized = true;
#  else
constexpr bool sanitized = false;
#  endif
#else
constexpr bool sanitized = false;
#endif

constexpr int connections = 64;
constexpr int requests = sanitized ? 10'000 : 100'000;
constexpr int faults = sanitized ? 20 : 200;

/// The JSON string after `"key":"` in `text`, or empty.
std::string string_after(std::string_view text, std::string_view key) {
  auto at = text.find("\"" + std::string{key} + "\":\"");
  if (at == std::string_view::npos)
    return {};
  at += key.size() + 4;
  return std::string{text.substr(at, text.find('"', at) - at)};
}

long number_in(std::string_view text, std::string_view key) {
  auto at = text.find("\"" + std::string{key} + "\":");
  if (at == std::string_view::npos)
    return -1;
  return std::strtol(text.data() + at + key.size() + 3, nullptr, 10);
}

struct tally {
  std::mutex mtx;
  std::map<std::string, long> outcomes; // "200", "502 worker_failed", ...
  std::set<std::string> request_ids;    // X-Request-Id of each response
  long answered = 0;
  long crash_failed = 0; // requests that crashed their worker, answered 502
  long wrong = 0;        // a 200 whose output is not the request's n
  std::string first_odd;
};

} // namespace

TEST_SUITE_BEGIN("service");

TEST_CASE("requests over many keep-alive connections to a pool whose workers crash on some of "
          "them: one documented answer each, none lost, the pool drained") {
  server_process s{RINGACTOR_REST_TEST_SERVER,
                   {"--pools.flaky.actor=crasher", "--pools.flaky.size=4",
                    "--pools.flaky.idempotent=true", "--pools.flaky.max_restarts=1000000",
                    "--pools.flaky.within=1s", "--pools.flaky.queue_capacity=4096",
                    "--pools.flaky.queue_timeout=30s", "--http.max_connections=256"}};
  REQUIRE_MESSAGE(s.port() != 0, s.output());
  tally t;
  std::atomic<long> sent{0};
  auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> clients;
  for (int c = 0; c < connections; ++c)
    clients.emplace_back([&, c] {
      connection conn{s.port(), 30s};
      std::map<std::string, long> outcomes;
      std::vector<std::string> ids;
      long answered = 0, crash_failed = 0, wrong = 0;
      std::string odd;
      for (int i = c; i < requests; i += connections) {
        // Every (requests / faults)-th request crashes its worker.
        bool crash = i % (requests / faults) == 0;
        auto body = "{\"n\":" + std::to_string(i) + ",\"crash\":" + (crash ? "true" : "false")
                    + "}";
        auto raw = "POST /kernels/flaky/rest_test.work HTTP/1.1\r\nHost: x\r\nContent-Length: "
                   + std::to_string(body.size()) + "\r\n\r\n" + body;
        sent.fetch_add(1, std::memory_order_relaxed);
        if (!conn.send(raw))
          break; // counted below as unanswered
        auto r = conn.read_response();
        if (r.empty())
          break;
        ++answered;
        auto status = status_of(r);
        auto b = std::string{body_of(r)};
        std::string outcome = std::to_string(status);
        if (status != 200)
          outcome += " " + string_after(b, "error");
        ++outcomes[outcome];
        // Every response carries its request's id (X-Request-Id, made by the
        // server): one per request, none answered twice.
        ids.push_back(header_of(r, "X-Request-Id").value_or(""));
        if (status == 200 && number_in(b, "output") != i)
          ++wrong;
        if (crash && status == 502)
          ++crash_failed;
        if ((status != 200 && !(crash && status == 502)) && odd.empty())
          odd = std::to_string(i) + (crash ? " (crash) " : " ") + r;
      }
      std::lock_guard guard{t.mtx};
      for (auto& [k, v] : outcomes)
        t.outcomes[k] += v;
      for (auto& id : ids)
        t.request_ids.insert(id);
      t.answered += answered;
      t.crash_failed += crash_failed;
      t.wrong += wrong;
      if (t.first_odd.empty())
        t.first_odd = odd;
    });
  for (auto& c : clients)
    c.join();
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::string summary;
  for (auto& [k, v] : t.outcomes)
    summary += k + ": " + std::to_string(v) + "; ";
  MESSAGE(requests << " requests over " << connections << " connections with " << faults
                   << " faults in " << seconds << " s: " << summary);
  CHECK(sent.load() == requests);
  CHECK(t.answered == requests); // one response per request: none lost
  CHECK(t.request_ids.size() == static_cast<std::size_t>(requests)); // each its own
  CHECK_FALSE(t.request_ids.contains(""));
  CHECK(t.wrong == 0);
  // The documented outcomes: 200 with the request's own output, and for a
  // request that crashed its worker (on every worker it was tried on: the
  // pool is idempotent, so it went to another one), 502 worker_failed.
  // The other requests in a crashed worker's mailbox were bystanders: the
  // pool sent them elsewhere and they succeeded.
  CHECK(t.outcomes["200"] == requests - faults);
  CHECK(t.outcomes["502 worker_failed"] == faults);
  CHECK(t.crash_failed == faults);
  CHECK_MESSAGE(t.outcomes.size() == 2, summary << t.first_odd);
  // The pool is drained: nothing in flight, nothing queued, and every crash
  // cost a restart.
  auto stats = get(s.port(), "/kernels/flaky");
  CHECK_MESSAGE(number_in(stats, "in_flight") == 0, stats);
  CHECK_MESSAGE(number_in(stats, "queued") == 0, stats);
  CHECK_MESSAGE(number_in(stats, "restarts") >= faults, stats);
  CHECK_MESSAGE(s.stop() == 0, s.output());
}
