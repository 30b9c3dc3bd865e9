// The slow-worker pool of the pool tests that need a worker to be busy
// (pool_cancel_test.cpp, pool_limit_test.cpp): workers that answer a gated
// task only when the test lets them, or keep a request unanswered until
// they die, requesters that can cancel their own request, and a fixture
// that holds the system, the pool and the workers' log.
//
//   TEST_CASE_FIXTURE(gated_pool::fixture<>, "...") {
//     start(pool<gated_pool::job_if>{.size = 1, .max_in_flight_per_worker = 1});
//     auto first = request_running(gated_pool::gated(1)); // the worker holds it
//     auto second = request_queued(gated_pool::gated(2), 1);
//     log->allow(2);
//     CHECK(eventually([&] { return answered_with(second.out, 2); }));
//   }
#pragma once

#include <doctest/doctest.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include <ringactor/all.hpp>
#include <ringactor/supervision/all.hpp>

#include "test_util.hpp"

namespace gated_pool {

using namespace std::chrono_literals;

struct task {
  /// The reply, and what the worker's log records.
  int value = 0;
  /// The worker keeps the request unanswered: its promise dies with the
  /// worker (see worker_log::holds_left).
  bool hold = false;
  /// The worker answers only once the test allowed it (worker_log::allow).
  bool gated = false;
};

/// A task the worker answers with `value` once the test allowed it.
inline task gated(int value) {
  return task{.value = value, .gated = true};
}

using job_if = ringactor::typed_actor<ringactor::result<int>(task)>;

/// What the workers did, and the test's hold on them: a worker answers its
/// n-th gated task only once the test allowed n (bounded: after 10 s it
/// answers anyway, so a broken test cannot hang).
struct worker_log {
  std::mutex mtx;
  std::condition_variable cv;
  int entered = 0;         // guarded by mtx: gated tasks a worker began
  int allowed = 0;         // guarded by mtx: gated tasks the test let finish
  std::vector<int> values; // guarded by mtx: every task's value, in the order workers got them
  /// `hold` tasks that are still held (a re-dispatched one is not): only
  /// the workers' fetch_sub touches it, so it orders nothing else.
  std::atomic<int> holds_left{1};
  /// The worker holding a `hold` task: stored after the task is recorded
  /// in `values` (under mtx), read by the test's wait for it.
  std::atomic<ringactor::actor_id> holder{0};

  void allow(int n) {
    std::lock_guard guard{mtx};
    allowed = n;
    cv.notify_all();
  }
  int entered_count() {
    std::lock_guard guard{mtx};
    return entered;
  }
  /// Every task's value, in the order the workers got them.
  std::vector<int> handled() {
    std::lock_guard guard{mtx};
    return values;
  }
};

inline job_if::behavior_type gated_worker(job_if::pointer self, std::shared_ptr<worker_log> log) {
  return {[self, log](task t) -> ringactor::result<int> {
    if (t.hold && log->holds_left.fetch_sub(1) > 0) {
      {
        std::lock_guard guard{log->mtx};
        log->values.push_back(t.value);
      }
      log->holder = self->id();
      auto held = std::make_shared<ringactor::typed_response_promise<int>>(
        self->make_response_promise<int>());
      // Kept by a behavior that never runs: the promise dies with the actor.
      self->become(ringactor::keep_behavior, ringactor::behavior{[held](task) { return 0; }});
      return *held;
    }
    std::unique_lock guard{log->mtx};
    log->values.push_back(t.value);
    if (t.gated) {
      auto ticket = ++log->entered;
      log->cv.wait_for(guard, 10s, [&] { return log->allowed >= ticket; });
    }
    return t.value;
  }};
}

/// What one requester's request came to.
struct outcome {
  std::mutex mtx;
  std::optional<ringactor::expected<int>> result; // guarded by mtx
  /// The request's message_id: stored by the requester before it handles
  /// any cancel_it, which reads it (same actor, so nothing to order).
  std::atomic<uint64_t> id{0};

  void set(ringactor::expected<int> x) {
    std::lock_guard guard{mtx};
    result = std::move(x);
  }
  std::optional<ringactor::expected<int>> get() {
    std::lock_guard guard{mtx};
    return result;
  }
};

/// Tells a requester to cancel its request (cancel_request).
struct cancel_it {};

/// An actor that requested a task from the pool, and its outcome.
struct requester {
  ringactor::actor from;
  std::shared_ptr<outcome> out;
};

inline bool answered_with(const std::shared_ptr<outcome>& out, int value) {
  auto r = out->get();
  return r && r->has_value() && **r == value;
}

inline bool failed_with(const std::shared_ptr<outcome>& out,
                        ringactor::supervision::supervision_error code) {
  auto r = out->get();
  return r && !r->has_value() && r->error() == code;
}

inline size_t in_flight_of(const ringactor::supervision::pool_stats& st) {
  size_t n = 0;
  for (auto& w : st.workers)
    n += w.in_flight;
  return n;
}

/// A system of `Workers` scheduler threads, a scoped actor, the workers'
/// log and the pool `p` (once started).
template <size_t Workers = 3>
struct fixture {
  ringactor::actor_system sys{ringactor::actor_system_config{}.set_workers(Workers)};
  ringactor::scoped_actor self{sys};
  std::shared_ptr<worker_log> log = std::make_shared<worker_log>();
  job_if p;

  /// Spawns `spec`, its workers gated ones on `log`, as `p`.
  void start(ringactor::supervision::pool<job_if> spec) {
    spec.factory = [l = log](ringactor::actor_system& s) { return s.spawn(gated_worker, l); };
    p = sys.spawn(std::move(spec));
  }

  ringactor::supervision::pool_stats stats() {
    auto r = self
               ->request(ringactor::actor_cast<ringactor::actor>(p), 1s,
                         ringactor::supervision::get_pool_stats{})
               .template get<ringactor::supervision::pool_stats>();
    REQUIRE(r.has_value());
    return *r;
  }

  size_t in_flight() { return in_flight_of(stats()); }

  /// Requests `t` from the pool at once, from an actor that cancels that
  /// request on cancel_it.
  requester request(task t) {
    auto out = std::make_shared<outcome>();
    auto from = sys.spawn([q = p, out, t](ringactor::event_based_actor* a) -> ringactor::behavior {
      auto h = a->request(q, 30s, t);
      out->id = h.id().integer_value();
      h.then([out](int x) { out->set(x); }, [out](const ringactor::error& err) { out->set(err); });
      return {[a, q, out](cancel_it) {
        a->send(ringactor::actor_cast<ringactor::actor>(q),
                ringactor::cancel_request{ringactor::message_id{out->id.load()}});
      }};
    });
    return {from, out};
  }

  /// request(t), once a worker began it (a gated task) or holds it (a
  /// `hold` task): the only one so far.
  requester request_running(task t) {
    auto r = request(t);
    if (t.hold)
      REQUIRE(test_util::eventually([&] { return log->holder.load() != 0; }));
    else
      REQUIRE(test_util::eventually([&] { return log->entered_count() == 1; }));
    return r;
  }

  /// request(t), once the pool's queue holds `queued` requests.
  requester request_queued(task t, size_t queued) {
    auto r = request(t);
    REQUIRE(test_util::eventually([&] { return stats().queued == queued; }));
    return r;
  }
};

} // namespace gated_pool
