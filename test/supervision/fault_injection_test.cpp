// Fault injection: a pool of 4 workers serves 100,000 requests while 1,000
// crashes are injected at random. Every request ends in a reply or an error
// (none is lost); with an idempotent pool none ends in an error.
#include <doctest/doctest.h>

#include <atomic>
#include <memory>
#include <random>
#include <vector>

#include <ringactor/all.hpp>
#include <ringactor/supervision/all.hpp>

using namespace ringactor;
using namespace ringactor::supervision;
using namespace std::chrono_literals;

namespace {

struct job {
  uint32_t id;
};

using job_if = typed_actor<result<uint32_t>(job)>;

/// Crash tickets: the job with a ticket crashes the first worker that runs it.
struct tickets {
  explicit tickets(size_t requests, size_t faults) : armed(requests) {
    std::mt19937 rng{42};
    std::uniform_int_distribution<size_t> pick{0, requests - 1};
    size_t placed = 0;
    while (placed < faults) {
      auto i = pick(rng);
      if (!armed[i].exchange(true))
        ++placed;
    }
  }
  std::vector<std::atomic<bool>> armed;
  std::atomic<size_t> fired{0};
};

job_if::behavior_type host_worker(job_if::pointer, std::shared_ptr<tickets> t) {
  return {[t](job j) -> uint32_t {
    if (t->armed[j.id].exchange(false)) {
      ++t->fired;
      throw std::runtime_error("injected fault");
    }
    return j.id;
  }};
}

struct outcome {
  size_t replies = 0;
  size_t errors = 0;
  size_t wrong = 0;
  size_t fired = 0; ///< injected faults that went off
};

outcome run(bool idempotent, size_t requests, size_t faults) {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto t = std::make_shared<tickets>(requests, faults);
  job_if p = sys.spawn(pool<job_if>{
    .size = 4,
    .factory = [t](actor_system& s) { return s.spawn(host_worker, t); },
    .strategy = one_for_one{.max_restarts = 1000000, .within = 1s},
    .dispatch = least_loaded{},
    .idempotent = idempotent,
    .queue_timeout = 10s});
  scoped_actor self{sys};
  outcome out;
  constexpr size_t window = 256;
  std::vector<std::pair<uint32_t, blocking_response_handle<uint32_t>>> batch;
  for (size_t next = 0; next < requests;) {
    batch.clear();
    for (; next < requests && batch.size() < window; ++next)
      batch.emplace_back(static_cast<uint32_t>(next),
                         self->request(p, 30s, job{static_cast<uint32_t>(next)}));
    for (auto& [id, h] : batch)
      h.receive(
        [&, id = id](uint32_t x) {
          ++out.replies;
          if (x != id)
            ++out.wrong;
        },
        [&](const error&) { ++out.errors; });
  }
  out.fired = t->fired.load();
  return out;
}

} // namespace

TEST_SUITE_BEGIN("supervision");

TEST_CASE("fault injection: host workers lose no request, idempotent or not") {
  constexpr size_t requests = 100000;
  constexpr size_t faults = 1000;
  SUBCASE("not idempotent: each fault fails only requests of the crashed worker") {
    auto out = run(false, requests, faults);
    CHECK_EQ(out.replies + out.errors, requests);
    // A crash fails the job that crashed and the jobs queued behind it at
    // that worker (some of which carried tickets that then never fire).
    CHECK_GT(out.fired, 0u);
    CHECK_GE(out.errors, out.fired);
    CHECK_EQ(out.wrong, 0u);
  }
  SUBCASE("idempotent: no request ends in an error") {
    auto out = run(true, requests, faults);
    CHECK_EQ(out.fired, faults);
    CHECK_EQ(out.replies, requests);
    CHECK_EQ(out.errors, 0u);
    CHECK_EQ(out.wrong, 0u);
  }
}

TEST_SUITE_END();
