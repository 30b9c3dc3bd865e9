// Residency and pacing without a device: the residency ledger that admits
// persistent grids, the watchdog's "not resident" verdict, and the
// completion poller's pacing, driven through fake CUDA-like sessions (a
// kernel_session whose runner is a stand-in that counts stream queries).
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <ringactor/all.hpp>
#include <ringactor/gpu/detail/kernel_session.hpp>
#include <ringactor/gpu/detail/kernel_silence.hpp>
#include <ringactor/gpu/detail/poll_policy.hpp>
#include <ringactor/gpu/detail/residency_ledger.hpp>
#include <ringactor/gpu/errors.hpp>

#include "test_util.hpp"

using namespace ringactor;
using namespace ringactor::detail;
using namespace std::chrono_literals;

namespace {

// -- a stand-in for a CUDA runner ---------------------------------------------------------

/// Counts the poller's exit checks (what a CUDA runner answers with
/// cudaStreamQuery) and reports an exit once the test ends it.
struct counting_runner final : kernel_runner_base {
  counting_runner(std::shared_ptr<std::atomic<std::uint64_t>> queries,
                  std::shared_ptr<std::atomic<bool>> ended)
    : queries_(std::move(queries)), ended_(std::move(ended)) {}
  bool launch(std::chrono::nanoseconds) override { return true; }
  bool launch_in_flight() override { return false; }
  bool exited(stream_fault&) override {
    // Relaxed: a count the test reads; ended_ pairs with the test's store.
    queries_->fetch_add(1, std::memory_order_relaxed);
    return ended_->load(std::memory_order_acquire);
  }
  std::shared_ptr<std::atomic<std::uint64_t>> queries_;
  std::shared_ptr<std::atomic<bool>> ended_;
};

/// A session on the CUDA backend whose kernel never runs: its control
/// block stays `launching`, its K2H stays empty.
struct fake_device_kernel {
  std::shared_ptr<std::atomic<std::uint64_t>>
    queries = std::make_shared<std::atomic<std::uint64_t>>(0);
  std::shared_ptr<std::atomic<bool>> ended = std::make_shared<std::atomic<bool>>(false);
  std::shared_ptr<kernel_session> session;

  fake_device_kernel(actor_system& sys, completion_poller& poller, const kernel_config& cfg) {
    session = std::make_shared<kernel_session>(sys, cfg, kernel_backend::cuda,
                                               std::make_unique<kernel_channel>(), nullptr);
    session->start(std::make_unique<counting_runner>(queries, ended), poller);
  }

  /// Ends the fake kernel and its session (the poller finishes it).
  void stop() {
    // Pairs with the acquire load in counting_runner::exited().
    ended->store(true, std::memory_order_release);
    session->retire(kernel_session::exit_mode::drain);
  }
};

device_capacity hopper_like() {
  return {.multiprocessors = 132, .max_grids = 31};
}

} // namespace

// -- the residency ledger -----------------------------------------------------------------

TEST_CASE("the residency ledger refuses a grid beyond the device's free blocks and says how "
          "many are free") {
  residency_ledger ledger;
  auto cap = hopper_like();
  // 2 blocks per SM: 264 blocks fit on the idle device.
  auto a = ledger.admit(0, cap, {.blocks = 200, .blocks_per_sm = 2});
  REQUIRE(static_cast<bool>(a));
  CHECK(ledger.free_blocks(0, cap, 2) == 64);
  auto b = ledger.admit(0, cap, {.blocks = 65, .blocks_per_sm = 2});
  REQUIRE_FALSE(static_cast<bool>(b));
  auto why = b.refusal;
  CHECK(why.find("room for 64 more blocks") != std::string::npos);
  CHECK(why.find("needs 65") != std::string::npos);
  // Nothing was reserved by the refusal.
  CHECK(ledger.free_blocks(0, cap, 2) == 64);
  CHECK(ledger.running_grids(0) == 1);
  CHECK(static_cast<bool>(ledger.admit(0, cap, {.blocks = 64, .blocks_per_sm = 2})));
}

TEST_CASE("one-block persistent kernels count against the device's grid limit") {
  residency_ledger ledger;
  device_capacity cap{.multiprocessors = 132, .max_grids = 4};
  std::vector<residency_ledger::ticket> running;
  for (int i = 0; i < 4; ++i) {
    auto t = ledger.admit(0, cap, {.blocks = 1, .blocks_per_sm = 8});
    REQUIRE(static_cast<bool>(t));
    running.push_back(std::move(t.granted));
  }
  auto fifth = ledger.admit(0, cap, {.blocks = 1, .blocks_per_sm = 8});
  REQUIRE_FALSE(static_cast<bool>(fifth));
  CHECK(fifth.refusal.find("already runs 4 persistent kernels") != std::string::npos);
  // Another device has its own ledger entry.
  CHECK(static_cast<bool>(ledger.admit(1, cap, {.blocks = 1, .blocks_per_sm = 8})));
}

TEST_CASE("a grid's blocks are free again once its kernel ends, and only once") {
  residency_ledger ledger;
  device_capacity cap{.multiprocessors = 2, .max_grids = 8};
  auto t = ledger.admit(0, cap, {.blocks = 2, .blocks_per_sm = 1});
  REQUIRE(static_cast<bool>(t));
  CHECK_FALSE(static_cast<bool>(ledger.admit(0, cap, {.blocks = 1, .blocks_per_sm = 1})));
  auto ticket = std::move(t.granted);
  ticket.reset(); // the kernel ended (normally or by a fault)
  ticket.reset(); // idempotent
  CHECK(ledger.running_grids(0) == 0);
  CHECK(ledger.free_blocks(0, cap, 1) == 2);
  {
    auto scoped = ledger.admit(0, cap, {.blocks = 2, .blocks_per_sm = 1});
    REQUIRE(static_cast<bool>(scoped));
  } // a ticket destroyed unreleased gives its share back too
  CHECK(ledger.free_blocks(0, cap, 1) == 2);
  // A kernel that never ended keeps its share.
  auto leaked = ledger.admit(0, cap, {.blocks = 1, .blocks_per_sm = 1});
  REQUIRE(static_cast<bool>(leaked));
  leaked.granted.keep_forever();
  leaked = {};
  CHECK(ledger.free_blocks(0, cap, 1) == 1);
}

TEST_CASE("kernels of different occupancy share a device by fractions of its multiprocessors") {
  residency_ledger ledger;
  device_capacity cap{.multiprocessors = 4, .max_grids = 8};
  // 3 per SM: 6 blocks take two SMs; the other two hold 2 blocks of a
  // kernel with 1 per SM, or 4 of one with 2 per SM.
  auto first = ledger.admit(0, cap, {.blocks = 6, .blocks_per_sm = 3});
  REQUIRE(static_cast<bool>(first));
  CHECK(ledger.free_blocks(0, cap, 1) == 2);
  CHECK(ledger.free_blocks(0, cap, 2) == 4);
  CHECK(ledger.free_blocks(0, cap, 3) == 6);
  CHECK_FALSE(static_cast<bool>(ledger.admit(0, cap, {.blocks = 3, .blocks_per_sm = 1})));
  auto second = ledger.admit(0, cap, {.blocks = 2, .blocks_per_sm = 1});
  REQUIRE(static_cast<bool>(second));
  CHECK(ledger.free_blocks(0, cap, 32) == 0);
}

TEST_CASE("a kernel of which no block fits on a multiprocessor is refused with a reason") {
  residency_ledger ledger;
  auto r = ledger.admit(0, hopper_like(), {.blocks = 1, .blocks_per_sm = 0});
  REQUIRE_FALSE(static_cast<bool>(r));
  CHECK(r.refusal.find("not one block") != std::string::npos);
}

TEST_CASE("the resident grid limit follows the compute capability") {
  CHECK(max_resident_grids(9, 0) == 128);
  CHECK(max_resident_grids(8, 6) == 128);
  CHECK(max_resident_grids(7, 2) == 16);
  CHECK(max_resident_grids(6, 1) == 32);
  CHECK(max_resident_grids(5, 3) == 16);
  CHECK(max_resident_grids(12, 0) == 128);
}

// -- not resident versus stalled ----------------------------------------------------------

TEST_CASE("a kernel still launching after the residency timeout is not resident, never stalled") {
  using ms = std::chrono::milliseconds;
  CHECK(judge_silence(kernel_state::launching, ms{100}, ms{100}, ms{2000}, ms{5000})
        == kernel_silence::none);
  CHECK(judge_silence(kernel_state::launching, ms{2001}, ms{2001}, ms{2000}, ms{5000})
        == kernel_silence::not_resident);
  CHECK(judge_silence(kernel_state::launching, ms{9000}, ms{9000}, ms{2000}, ms{5000})
        == kernel_silence::not_resident);
  CHECK(judge_silence(kernel_state::active, ms{9000}, ms{5001}, ms{2000}, ms{5000})
        == kernel_silence::stalled);
  CHECK(judge_silence(kernel_state::active, ms{9000}, ms{10}, ms{2000}, ms{5000})
        == kernel_silence::none);
}

TEST_CASE("a kernel that never leaves launching is reported not resident, not stalled") {
  actor_system sys{actor_system_config{}.set_workers(1)};
  completion_poller poller;
  kernel_config cfg;
  cfg.residency_timeout = 200ms;
  cfg.stall_timeout = 1s;
  fake_device_kernel k{sys, poller, cfg};
  scoped_actor self{sys};
  k.session->attach(self->address());
  poller.add(k.session);
  error reason;
  bool told = self->receive_for(gpu_test::patience,
                                [&](const kernel_failure& f) { reason = f.reason; });
  REQUIRE(told);
  CHECK(reason == gpu_error::not_resident);
  CHECK(std::string{reason.context()}.find("still launching") != std::string::npos);
  k.stop();
}

// -- the poller's pacing ------------------------------------------------------------------

TEST_CASE("an idle poller with device kernels parks about a millisecond, then longer") {
  poll_pacing pacing;
  poll_policy policy{pacing};
  auto t = poll_policy::clock::now();
  poll_demand idle_devices{.sessions = true, .device_sessions = true, .waiting = false};
  poll_policy::step s;
  std::uint32_t rounds = 0;
  do {
    s = policy.after_round(false, t, idle_devices);
    ++rounds;
  } while (s.what != poll_policy::action::park);
  CHECK(rounds == pacing.spin_polls + pacing.yields_before_park);
  CHECK(s.park_for == pacing.device_idle_park);
  CHECK(policy.needs_demand(false));
  CHECK_FALSE(policy.needs_demand(true));
  s = policy.after_round(false, t + pacing.deep_idle_after, idle_devices);
  CHECK(s.park_for == pacing.device_deep_idle_park);
  // Requests in flight: short parks.
  s = policy.after_round(false, t + 1s,
                         {.sessions = true, .device_sessions = true, .waiting = true});
  CHECK(s.park_for == pacing.busy_park);
  // Only CPU kernels (they ring), or none at all: long parks.
  s = policy.after_round(false, t + 1s, {.sessions = true});
  CHECK(s.park_for == pacing.idle_park);
  s = policy.after_round(false, t + 1s, {});
  CHECK(s.park_for == pacing.empty_park);
  // Progress starts over: poll again at once, then spin.
  CHECK(policy.after_round(true, t, {}).what == poll_policy::action::poll);
  CHECK(policy.after_round(false, t, {}).what == poll_policy::action::pause);
}

TEST_CASE("a kernel's stream is queried at most once per interval unless its state changed") {
  stream_query_pacer pacer{1ms};
  auto t = stream_query_pacer::clock::now();
  CHECK(pacer.due(t, false));
  CHECK_FALSE(pacer.due(t + 100us, false));
  CHECK_FALSE(pacer.due(t + 999us, false));
  CHECK(pacer.due(t + 500us, true));
  CHECK(pacer.due(t + 1500us, false));
  CHECK(pacer.queries() == 3);
}

TEST_CASE("a poller serving 10 idle device kernels parks and queries each stream about once a "
          "millisecond") {
  actor_system sys{actor_system_config{}.set_workers(1)};
  completion_poller poller;
  kernel_config cfg;
  cfg.residency_timeout = 1h; // the kernels never start: not what this test watches
  cfg.stall_timeout = 2h;
  std::vector<std::unique_ptr<fake_device_kernel>> kernels;
  for (int i = 0; i < 10; ++i) {
    kernels.push_back(std::make_unique<fake_device_kernel>(sys, poller, cfg));
    poller.add(kernels.back()->session);
  }
  auto total_queries = [&] {
    std::uint64_t n = 0;
    for (auto& k : kernels)
      n += k->queries->load(std::memory_order_relaxed);
    return n;
  };
  // Past the poller's spinning: it has parked at least once.
  auto deadline = std::chrono::steady_clock::now() + gpu_test::patience;
  while (poller.parks() == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  REQUIRE(poller.parks() > 0);
  // Count over a window whose length is measured, not assumed.
  auto t0 = std::chrono::steady_clock::now();
  auto parks0 = poller.parks();
  auto rounds0 = poller.rounds();
  auto queries0 = total_queries();
  std::this_thread::sleep_for(300ms);
  auto parks = poller.parks() - parks0;
  auto rounds = poller.rounds() - rounds0;
  auto queries = total_queries() - queries0;
  auto window_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::steady_clock::now() - t0)
                     .count();
  MESSAGE("in " << window_ms << " ms: " << rounds << " rounds, " << parks << " parks, " << queries
                << " stream queries over 10 kernels");
  CHECK(parks > 0);
  // At most one round (and one query per kernel) per millisecond, with
  // some slack for spurious wake-ups; the old poller polled every 50 us
  // (and spun 2000 rounds first), querying every stream each round.
  CHECK(rounds <= static_cast<std::uint64_t>(window_ms) + 20);
  CHECK(queries <= 10 * (static_cast<std::uint64_t>(window_ms) + 20));
  for (auto& k : kernels)
    k->stop();
}
