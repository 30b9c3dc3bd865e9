// Kernel workers behave like host workers under supervision: a pool of
// persistent kernels (CPU backend) restarts faulted and stalled kernels and
// loses no request. Faults: the kernel reports a device fault (kernel_fault);
// stalls: a handler that sleeps past the stall timeout, so that the heartbeat
// stands still (kernel_stalled).
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <random>
#include <thread>
#include <vector>

#include <ringactor/all.hpp>
#include <ringactor/gpu/kernel_actor.hpp>
#include <ringactor/supervision/all.hpp>

#include "test_util.hpp"

using namespace ringactor;
using namespace ringactor::supervision;
using namespace std::chrono_literals;
using test_util::eventually;

namespace {

struct kjob {
  std::uint32_t id;
};

constexpr std::uint32_t no_fault = 0;
constexpr std::uint32_t crash_ticket = 1;
constexpr std::uint32_t stall_ticket = 2;
constexpr std::size_t max_jobs = 100000;

// Tickets live for the whole program: a stalled kernel's thread may still
// read them after its test ended.
std::vector<std::uint32_t>& tickets() {
  static std::vector<std::uint32_t> instance(max_jobs, no_fault);
  return instance;
}

/// Answers a job with its id, unless the job carries a ticket.
struct job_kernel {
  using inputs = message_list<kjob>;

  template <class Ctx>
  RINGACTOR_DEVICE void handle(Ctx& ctx, const kjob& j) const {
    auto kind = dev::atomic_exchange(tickets_[j.id], no_fault, mem_order::acq_rel);
    if (kind == crash_ticket) {
      ctx.fault(7); // the request gets kernel_fault, the kernel ends
      return;
    }
    if (kind == stall_ticket) // host-only test kernel: sleeping stops the heartbeat
      std::this_thread::sleep_for(std::chrono::milliseconds{stall_ms});
    ctx.reply(j.id);
  }

  std::uint32_t* tickets_;
  std::uint32_t stall_ms;
};

using kjob_if = typed_actor<result<std::uint32_t>(kjob)>;

/// Kernels whose heartbeat stands still for `stall_timeout` are stalled; a
/// stall ticket sleeps `stall_ms` (longer than that).
struct stall_limits {
  std::chrono::milliseconds stall_timeout{40};
  std::uint32_t stall_ms = 150;
};

kernel_config worker_config(stall_limits limits) {
  kernel_config cfg;
  cfg.backend = kernel_backend::cpu;
  cfg.h2k_capacity = 64;
  cfg.k2h_capacity = 64;
  cfg.heartbeat_interval = 2ms;
  cfg.stall_timeout = limits.stall_timeout;
  cfg.spin_before_park = 64;
  return cfg;
}

auto kernel_factory(stall_limits limits = {}) {
  return [limits](actor_system& sys) {
    return spawn_kernel<kjob_if>(sys, job_kernel{tickets().data(), limits.stall_ms},
                                 worker_config(limits));
  };
}

void clear_tickets() {
  for (auto& t : tickets())
    dev::atomic_store(t, no_fault, mem_order::release);
}

} // namespace

TEST_SUITE_BEGIN("supervision");

TEST_CASE("a pool of kernel workers restarts a faulted and a stalled kernel") {
  clear_tickets();
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  // Counts restarts exactly: a stall timeout that a loaded machine (sanitizer
  // builds on 2 cores) cannot reach by descheduling an idle kernel's thread.
  kjob_if p = sys.spawn(pool<kjob_if>{
    .size = 2,
    .factory = kernel_factory({.stall_timeout = 500ms, .stall_ms = 1500}),
    .strategy = one_for_one{.max_restarts = 100, .within = 10s}});
  CHECK_EQ(self->request(p, 5s, kjob{1}).get().value(), 1u);
  tickets()[2] = crash_ticket;
  auto crashed = self->request(p, 5s, kjob{2}).get();
  REQUIRE_FALSE(crashed.has_value());
  CHECK_EQ(crashed.error(), supervision_error::worker_failed);
  tickets()[3] = stall_ticket;
  auto stalled = self->request(p, 5s, kjob{3}).get();
  REQUIRE_FALSE(stalled.has_value());
  CHECK_EQ(stalled.error(), supervision_error::worker_failed);
  CHECK(eventually([&] {
    auto st = self->request(actor_cast<actor>(p), 1s, get_pool_stats{}).get<pool_stats>();
    return st && st->restarts == 2;
  }));
  for (std::uint32_t i = 10; i < 20; ++i)
    CHECK_EQ(self->request(p, 5s, kjob{i}).get().value(), i);
}

TEST_CASE("fault injection: kernel workers lose no request, idempotent or not") {
  constexpr std::size_t requests = max_jobs;
  constexpr std::size_t crashes = 950;
  constexpr std::size_t stalls = 50;
  for (bool idempotent : {true, false}) {
    CAPTURE(idempotent);
    clear_tickets();
    std::mt19937 rng{idempotent ? 11u : 12u};
    std::uniform_int_distribution<std::size_t> pick{0, requests - 1};
    for (std::size_t placed = 0; placed < crashes + stalls;) {
      auto& t = tickets()[pick(rng)];
      if (t == no_fault) {
        t = placed < crashes ? crash_ticket : stall_ticket;
        ++placed;
      }
    }
    actor_system sys{actor_system_config{}.set_workers(2)};
    kjob_if p = sys.spawn(pool<kjob_if>{
      .size = 4,
      .factory = kernel_factory(),
      .strategy = one_for_one{.max_restarts = 1000000, .within = 1s},
      .dispatch = least_loaded{},
      .idempotent = idempotent,
      .queue_timeout = 20s});
    scoped_actor self{sys};
    std::size_t replies = 0, errors = 0, wrong = 0;
    std::vector<std::pair<std::uint32_t, blocking_response_handle<std::uint32_t>>> batch;
    for (std::size_t next = 0; next < requests;) {
      batch.clear();
      for (; next < requests && batch.size() < 256; ++next)
        batch.emplace_back(static_cast<std::uint32_t>(next),
                           self->request(p, 60s, kjob{static_cast<std::uint32_t>(next)}));
      for (auto& [id, h] : batch)
        h.receive(
          [&, id = id](std::uint32_t x) {
            ++replies;
            if (x != id)
              ++wrong;
          },
          [&](const error&) { ++errors; });
    }
    CHECK_EQ(replies + errors, requests);
    CHECK_EQ(wrong, 0u);
    if (idempotent)
      CHECK_EQ(errors, 0u);
    else
      CHECK_GT(errors, 0u);
    auto st = self->request(actor_cast<actor>(p), 5s, get_pool_stats{}).get<pool_stats>();
    REQUIRE(st.has_value());
    CHECK_GT(st->restarts, 0u);
  }
}

TEST_SUITE_END();
