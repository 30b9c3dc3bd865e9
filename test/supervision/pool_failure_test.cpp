// How a pool tells a worker's death from a worker's error reply, and how
// it contains a request that kills every worker it runs on.
#include <doctest/doctest.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <ringactor/all.hpp>
#include <ringactor/supervision/all.hpp>

#include "test_util.hpp"

using namespace ringactor;
using namespace ringactor::supervision;
using namespace std::chrono_literals;
using test_util::eventually;

namespace {

// -- a poison request among many ------------------------------------------------------

struct failure_job {
  uint32_t id;
};

using job_if = typed_actor<result<uint32_t>(failure_job)>;

/// Crashes on `poison` every time, whatever worker runs it.
job_if::behavior_type poisoned_worker(job_if::pointer, uint32_t poison,
                                      std::shared_ptr<std::atomic<int>> crashes) {
  return {[poison, crashes](failure_job j) -> uint32_t {
    if (j.id == poison) {
      crashes->fetch_add(1);
      throw std::runtime_error("poison");
    }
    return j.id;
  }};
}

struct poison_outcome {
  size_t replies = 0;
  size_t wrong = 0;
  std::vector<error> errors;
};

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr size_t poison_load = 20000; // the sanitizers slow each request ~10x
#else
constexpr size_t poison_load = 100000;
#endif

// -- deaths and error replies -----------------------------------------------------------

struct refuse {};
struct crash_once {};
struct die_once {};

using flaky_if = typed_actor<result<int>(refuse), result<int>(crash_once), result<int>(die_once)>;

struct flaky_state {
  std::atomic<bool> crashed{false};
  std::atomic<bool> died{false};
};

/// Holds a promise and answers it, when it is destroyed, with an error of
/// any code: the answer that an actor which terminates abnormally gives the
/// requests it leaves, under the contract where that answer is the exit
/// reason rather than dead_receiver.
struct answer_on_death {
  // A constructor (not an aggregate): clang 14 has no parenthesized
  // aggregate initialization, which make_shared would need.
  answer_on_death(typed_response_promise<int> p, error e)
    : rp(std::move(p)), reason(std::move(e)) {}
  typed_response_promise<int> rp;
  error reason;
  ~answer_on_death() { rp.deliver(reason); }
};

flaky_if::behavior_type flaky_worker(flaky_if::pointer self, std::shared_ptr<flaky_state> st) {
  return {
    [](refuse) -> result<int> {
      return error{sec::runtime_error, "refused by the handler"};
    },
    [st](crash_once) -> int {
      if (!st->crashed.exchange(true))
        throw std::runtime_error("crash once");
      return 1;
    },
    [self, st](die_once) -> result<int> {
      if (st->died.exchange(true))
        return 2;
      // Keep the promise where only the actor's exit releases it, then die:
      // the requester is answered, with the exit reason, while the worker
      // is exiting.
      // Built in place: a temporary answer_on_death (copied, as its
      // destructor suppresses the move) would answer at once, while the
      // worker is still alive, through the promise state the copy shares.
      auto held = std::make_shared<answer_on_death>(self->make_response_promise<int>(),
                                                    error{exit_reason::unhandled_exception,
                                                          "died with the request"});
      self->become(keep_behavior, behavior{[held](refuse) { return 0; }});
      throw std::runtime_error("die once");
    },
  };
}

pool_stats failure_stats_of(scoped_actor& self, const actor& p) {
  auto r = self->request(p, 5s, get_pool_stats{}).get<pool_stats>();
  REQUIRE(r.has_value());
  return *r;
}

} // namespace

TEST_SUITE_BEGIN("supervision");

TEST_CASE("a poison request fails alone with worker_failed and the pool serves the rest") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto crashes = std::make_shared<std::atomic<int>>(0);
  const uint32_t poison = poison_load / 2;
  job_if p = sys.spawn(pool<job_if>{
    .size = 4,
    .factory = [=](actor_system& s) { return s.spawn(poisoned_worker, poison, crashes); },
    // Generous: the three crashes the poison may cause are far below it;
    // a poison re-dispatched without limit exceeds it within moments.
    .strategy = one_for_one{.max_restarts = 100, .within = 10s},
    .dispatch = least_loaded{},
    .idempotent = true,
    .queue_timeout = 10s});
  scoped_actor self{sys};
  self->monitor(p);
  poison_outcome out;
  // A window of requests in flight; each request is bounded by its timeout.
  constexpr size_t window = 256;
  std::vector<std::pair<uint32_t, blocking_response_handle<uint32_t>>> batch;
  for (size_t next = 0; next < poison_load;) {
    batch.clear();
    for (; next < poison_load && batch.size() < window; ++next)
      batch.emplace_back(static_cast<uint32_t>(next),
                         self->request(p, 30s, failure_job{static_cast<uint32_t>(next)}));
    for (auto& [id, h] : batch)
      h.receive(
        [&, id = id](uint32_t x) {
          ++out.replies;
          if (x != id)
            ++out.wrong;
        },
        [&](const error& e) { out.errors.push_back(e); });
  }
  CHECK_EQ(out.replies, poison_load - 1);
  CHECK_EQ(out.wrong, 0u);
  REQUIRE_EQ(out.errors.size(), 1u);
  auto& e = out.errors.front();
  CHECK_MESSAGE(e == supervision_error::worker_failed, to_string(e));
  auto context = std::string{e.context()};
  CHECK_MESSAGE(context.find("re-dispatched 2 times") != std::string::npos, context);
  CHECK_MESSAGE(context.find("poison") != std::string::npos, context);
  // The default limit: sent to a worker three times, so three crashes.
  CHECK_EQ(crashes->load(), 3);
  // The pool is alive and serves.
  CHECK_EQ(self->request(p, 5s, failure_job{7}).get().value(), 7u);
  auto st = failure_stats_of(self, actor_cast<actor>(p));
  CHECK_EQ(st.poisoned, 1u);
  CHECK_EQ(st.failed, 1u);
  CHECK_EQ(st.restarts, 3u);
  CHECK_FALSE(self->receive_for(0ms, [](down_msg&) {}));
}

TEST_CASE("max_redispatches bounds how often a request that kills its worker is sent again") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  for (size_t limit : {size_t{0}, size_t{1}, size_t{4}}) {
    CAPTURE(limit);
    auto crashes = std::make_shared<std::atomic<int>>(0);
    job_if p = sys.spawn(pool<job_if>{
      .size = 2,
      .factory = [=](actor_system& s) { return s.spawn(poisoned_worker, 1u, crashes); },
      .strategy = one_for_one{.max_restarts = 100, .within = 10s},
      .idempotent = true,
      .max_redispatches = limit,
      .queue_timeout = 10s});
    scoped_actor self{sys};
    auto r = self->request(p, 10s, failure_job{1}).get();
    REQUIRE_FALSE(r.has_value());
    CHECK_MESSAGE(r.error() == supervision_error::worker_failed, to_string(r.error()));
    auto context = std::string{r.error().context()};
    CHECK_MESSAGE(context.find("re-dispatched " + std::to_string(limit) + " times")
                    != std::string::npos,
                  context);
    CHECK_EQ(crashes->load(), static_cast<int>(limit) + 1);
    CHECK_EQ(self->request(p, 5s, failure_job{2}).get().value(), 2u);
    CHECK_EQ(failure_stats_of(self, actor_cast<actor>(p)).poisoned, 1u);
  }
}

TEST_CASE("a worker_failed from a pool that is not idempotent names the worker's exit reason") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto crashes = std::make_shared<std::atomic<int>>(0);
  job_if p = sys.spawn(pool<job_if>{
    .size = 1, .factory = [=](actor_system& s) { return s.spawn(poisoned_worker, 1u, crashes); }});
  scoped_actor self{sys};
  auto r = self->request(p, 10s, failure_job{1}).get();
  REQUIRE_FALSE(r.has_value());
  CHECK_MESSAGE(r.error() == supervision_error::worker_failed, to_string(r.error()));
  auto context = std::string{r.error().context()};
  CHECK_MESSAGE(context.find("poison") != std::string::npos, context);
  CHECK_EQ(crashes->load(), 1);
  CHECK_EQ(failure_stats_of(self, actor_cast<actor>(p)).poisoned, 0u);
}

TEST_CASE("a live worker's error reply goes to the requester and the worker keeps serving") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  for (bool idempotent : {false, true}) {
    CAPTURE(idempotent);
    auto st = std::make_shared<flaky_state>();
    flaky_if p = sys.spawn(pool<flaky_if>{
      .size = 1,
      .factory = [st](actor_system& s) { return s.spawn(flaky_worker, st); },
      .idempotent = idempotent});
    scoped_actor self{sys};
    for (int i = 0; i < 3; ++i) {
      auto r = self->request(p, 5s, refuse{}).get();
      REQUIRE_FALSE(r.has_value());
      CHECK_MESSAGE(r.error() == sec::runtime_error, to_string(r.error()));
      CHECK_EQ(r.error().context(), "refused by the handler");
    }
    auto s = failure_stats_of(self, actor_cast<actor>(p));
    CHECK_EQ(s.failed, 0u);
    CHECK_EQ(s.redispatched, 0u);
    CHECK_EQ(s.restarts, 0u);
    REQUIRE_EQ(s.workers.size(), 1u);
    CHECK_EQ(s.workers.front().starts, 1u);
  }
}

TEST_CASE("a worker that throws is dead: its request is re-dispatched, or fails with "
          "worker_failed") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  for (bool idempotent : {false, true}) {
    CAPTURE(idempotent);
    auto st = std::make_shared<flaky_state>();
    flaky_if p = sys.spawn(pool<flaky_if>{
      .size = 2,
      .factory = [st](actor_system& s) { return s.spawn(flaky_worker, st); },
      .idempotent = idempotent});
    scoped_actor self{sys};
    auto r = self->request(p, 5s, crash_once{}).get();
    if (idempotent) {
      REQUIRE_MESSAGE(r.has_value(), to_string(r.error()));
      CHECK_EQ(*r, 1);
    } else {
      REQUIRE_FALSE(r.has_value());
      CHECK_MESSAGE(r.error() == supervision_error::worker_failed, to_string(r.error()));
    }
    CHECK(eventually([&] { return failure_stats_of(self, actor_cast<actor>(p)).restarts == 1; }));
  }
}

TEST_CASE("any error answered by a worker that is exiting is its death, whatever the code") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  for (bool idempotent : {false, true}) {
    CAPTURE(idempotent);
    auto st = std::make_shared<flaky_state>();
    flaky_if p = sys.spawn(pool<flaky_if>{
      .size = 2,
      .factory = [st](actor_system& s) { return s.spawn(flaky_worker, st); },
      .idempotent = idempotent});
    scoped_actor self{sys};
    // The worker answers with exit_reason::unhandled_exception as it dies:
    // not the requester's answer, but the worker's death.
    auto r = self->request(p, 5s, die_once{}).get();
    if (idempotent) {
      REQUIRE_MESSAGE(r.has_value(), to_string(r.error()));
      CHECK_EQ(*r, 2);
      CHECK_EQ(failure_stats_of(self, actor_cast<actor>(p)).redispatched, 1u);
    } else {
      REQUIRE_FALSE(r.has_value());
      CHECK_MESSAGE(r.error() == supervision_error::worker_failed, to_string(r.error()));
      CHECK_EQ(failure_stats_of(self, actor_cast<actor>(p)).failed, 1u);
    }
    CHECK(eventually([&] { return failure_stats_of(self, actor_cast<actor>(p)).restarts == 1; }));
  }
}

TEST_SUITE_END();
