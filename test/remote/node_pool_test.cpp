// Pools across nodes (remote/remote_workers.hpp): a supervision::pool in
// this process whose workers are spawned on two node processes (both
// remote), one of them killed with kill -9 under load. Idempotent: every
// request is answered with its value. Not idempotent: every request gets a
// reply or node_down / worker_failed. The load is 100,000 requests
// (RINGACTOR_REMOTE_POOL_REQUESTS sets another count: the sanitizer builds
// run fewer).
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include <ringactor/all.hpp>
#include <ringactor/remote/node.hpp>
#include <ringactor/remote/remote_workers.hpp>
#include <ringactor/supervision/all.hpp>

#include "cluster_test_util.hpp"
#include "node_process.hpp"
#include "node_test_types.hpp"

using namespace ringactor;
using namespace node_test;
using namespace std::chrono_literals;

namespace {

std::int64_t request_count() {
  if (const char* x = std::getenv("RINGACTOR_REMOTE_POOL_REQUESTS"))
    return std::max<std::int64_t>(1000, std::atoll(x));
  return 100'000;
}

/// What came back for a run of requests.
struct outcome {
  std::int64_t sent = 0;
  std::int64_t right = 0; ///< replies with the value asked for
  std::int64_t wrong = 0; ///< replies with another value
  std::int64_t node_down = 0;
  std::int64_t worker_failed = 0;
  std::int64_t other_errors = 0;
  std::int64_t in_flight_at_kill = 0;
  std::string first_other;
  std::int64_t answered() const { return right + wrong + node_down + worker_failed + other_errors; }
};

/// Sends `total` requests ping{i} to `pool`, at most `window` unanswered at
/// a time, and calls `kill` once a fifth of them were answered, while half
/// a window or more is unanswered. Bounded:
/// it stops waiting after `limit`.
template <class Kill>
outcome run_load(actor_system& sys, const actor& pool, std::int64_t total, Kill kill,
                 std::chrono::seconds limit) {
  constexpr std::int64_t window = 1000;
  std::mutex mtx;
  std::condition_variable cv;
  outcome out;
  std::int64_t done = 0;
  bool killed = false;
  std::vector<request_ticket> tickets;
  tickets.reserve(static_cast<std::size_t>(total));
  auto finish = [&](auto update) {
    std::lock_guard guard{mtx};
    update();
    ++done;
    cv.notify_all();
  };
  auto deadline = std::chrono::steady_clock::now() + limit;
  std::unique_lock guard{mtx};
  while (done < total && std::chrono::steady_clock::now() < deadline) {
    // The kill comes with half a window or more in flight (under load).
    if (!killed && done >= total / 5 && (out.sent - done >= window / 2 || out.sent == total)) {
      out.in_flight_at_kill = out.sent - done;
      guard.unlock();
      kill();
      guard.lock();
      killed = true;
    }
    if (out.sent < total && out.sent - done < window) {
      auto i = out.sent++;
      guard.unlock();
      tickets.push_back(callback_request(
        sys, pool, 30s, ping{i},
        [&, i](ping p) { finish([&] { ++(p.n == i ? out.right : out.wrong); }); },
        [&](const error& e) {
          finish([&] {
            if (e == remote::errc::node_down)
              ++out.node_down;
            else if (e == supervision::supervision_error::worker_failed)
              ++out.worker_failed;
            else if (++out.other_errors == 1)
              out.first_other = to_string(e);
          });
        }));
      guard.lock();
      continue;
    }
    cv.wait_until(guard, deadline);
  }
  guard.unlock();
  for (auto& t : tickets)
    t.abandon(error{sec::request_timeout, "the test stopped waiting"});
  std::lock_guard last{mtx};
  return out;
}

/// Two node processes that let peers spawn "adder", and a pool of four
/// adders in this process: workers 0 and 2 on node-b, 1 and 3 on node-c.
struct two_node_pool {
  std::unique_ptr<node_process> b = std::make_unique<node_process>(std::vector<std::string>{
    "node-b", cluster_secret, "--allow-spawn"});
  node_process c{{"node-c", cluster_secret, "--allow-spawn"}};
  actor_system sys{actor_system_config{}.set_workers(2)};
  std::unique_ptr<remote::node> a;
  echo_if pool;

  explicit two_node_pool(bool idempotent) {
    auto cfg = local_config();
    // The failure detector is for silent nodes; a killed one is seen
    // closing. A flood of requests must not pass for silence.
    cfg.heartbeat_timeout = 20s;
    a = must_start(remote::node::start(sys, cfg));
    // Connected by address once; the pool's factory names them.
    auto census_b = a->lookup(b->address(), "census");
    auto census_c = a->lookup(c.address(), "census");
    REQUIRE(census_b.has_value());
    REQUIRE(census_c.has_value());
    pool = sys.spawn(supervision::pool<echo_if>{
      .size = 4,
      .worker_factory = remote::spawn_workers_on<echo_if>(*a, {"node-b", "node-c"}, "adder"),
      .strategy = supervision::one_for_one{.max_restarts = 20, .within = 60s},
      .idempotent = idempotent,
      .name = "remote_adders"});
    // Two workers on each node before the load starts.
    CHECK(test_eventually([&] {
      return census_of(sys, *census_b).live == 2 && census_of(sys, *census_c).live == 2;
    }));
  }

  // The pool's factory uses node `a`: the pool is gone before `a` stops.
  ~two_node_pool() {
    scoped_actor self{sys};
    self->monitor(pool);
    self->send_exit(pool, exit_reason::user_shutdown);
    CHECK(self->receive_for(10s, [](down_msg&) {}));
  }

  supervision::pool_stats stats() {
    scoped_actor self{sys};
    supervision::pool_stats out;
    self->request(actor_cast<actor>(pool), 5s, supervision::get_pool_stats{})
      .receive([&](supervision::pool_stats s) { out = std::move(s); }, [](const error&) {});
    return out;
  }
};

} // namespace

TEST_SUITE_BEGIN("remote");

TEST_CASE("an idempotent pool with workers on two nodes loses nothing when one is killed "
          "under load") {
  two_node_pool p{true};
  auto total = request_count();
  auto out = run_load(
    p.sys, actor_cast<actor>(p.pool), total, [&] { p.b->kill9(); }, 120s);
  INFO("sent " << out.sent << ", right " << out.right << ", wrong " << out.wrong << ", node_down "
               << out.node_down << ", worker_failed " << out.worker_failed << ", other "
               << out.other_errors << " (" << out.first_other << ")");
  CHECK_EQ(out.sent, total);
  CHECK_EQ(out.right, total);
  CHECK_EQ(out.answered(), total);
  CHECK_GT(out.in_flight_at_kill, 0);
  auto stats = p.stats();
  // The killed node's workers died and were started again (on node-c);
  // their requests moved on (counted in redispatched when a worker held
  // them, not when they waited in its mailbox).
  std::uint64_t starts = 0;
  for (auto& w : stats.workers)
    starts += w.starts;
  INFO("redispatched " << stats.redispatched << ", starts " << starts);
  CHECK_GT(starts, 4u);
  CHECK_EQ(stats.failed, 0u);
  // The restarted workers run on node-c: the pool is whole again.
  CHECK_EQ(stats.workers.size(), 4u);
  CHECK_EQ(ping_of(p.sys, actor_cast<actor>(p.pool), 7).value().n, 7);
}

TEST_CASE("a pool that is not idempotent answers each request with a reply or node_down / "
          "worker_failed when a node is killed under load") {
  two_node_pool p{false};
  auto total = request_count() / 5;
  auto out = run_load(
    p.sys, actor_cast<actor>(p.pool), total, [&] { p.b->kill9(); }, 120s);
  INFO("sent " << out.sent << ", right " << out.right << ", wrong " << out.wrong << ", node_down "
               << out.node_down << ", worker_failed " << out.worker_failed << ", other "
               << out.other_errors << " (" << out.first_other << ")");
  CHECK_EQ(out.sent, total);
  CHECK_EQ(out.answered(), total);
  CHECK_EQ(out.wrong, 0);
  CHECK_EQ(out.other_errors, 0);
  CHECK_GT(out.in_flight_at_kill, 0);
  CHECK_EQ(ping_of(p.sys, actor_cast<actor>(p.pool), 7).value().n, 7);
}

TEST_SUITE_END();
