// Kernel actors: spawn_kernel, the proxy, backpressure, lifecycle, faults
// and stalls, launch mode and statistics, on the CPU backend.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include <ringactor/all.hpp>
#include <ringactor/gpu/kernel_actor.hpp>
#include <ringactor/gpu/kernels/adder.hpp>

#include "../test_util.hpp"
#include "test_kernels.hpp"
#include "test_util.hpp"

using namespace ringactor;
using namespace std::chrono_literals;
using kernels::accumulate;
using kernels::add;

namespace {

using gpu_test::await_down;
using gpu_test::patience;

using adder_if = typed_actor<result<std::int32_t>(add), result<std::int64_t>(accumulate)>;

struct adder_state {
  std::int64_t total = 0;
};

adder_if::behavior_type host_adder(adder_if::stateful_pointer<adder_state> self) {
  return {
    [](add m) { return m.a + m.b; },
    [self](accumulate m) { return self->state.total += m.value; },
  };
}

kernel_config cpu_config() {
  kernel_config cfg;
  cfg.backend = kernel_backend::cpu;
  return cfg;
}

/// The one test body both kinds of actor run: the same requests through the
/// same code path, the answers in order.
std::vector<std::int64_t> ask(scoped_actor& self, const adder_if& a) {
  std::vector<std::int64_t> out;
  for (std::int32_t i = 0; i < 20; ++i)
    self->request(a, patience, add{i, 2 * i})
      .receive([&](std::int32_t x) { out.push_back(x); },
               [&](const error& e) { FAIL("add failed: ", to_string(e)); });
  for (std::int64_t i = 1; i <= 20; ++i)
    self->request(a, patience, accumulate{i})
      .receive([&](std::int64_t x) { out.push_back(x); },
               [&](const error& e) { FAIL("accumulate failed: ", to_string(e)); });
  return out;
}

template <class T>
T value_or(expected<T> x, T fallback) {
  return x ? *x : fallback;
}

/// Waits (bounded) until the kernels started by a test are released.
bool kernels_released(std::size_t baseline) {
  auto deadline = std::chrono::steady_clock::now() + patience;
  while (live_kernel_count() > baseline) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::yield();
  }
  return true;
}

} // namespace

TEST_SUITE_BEGIN("gpu_actors");

TEST_CASE("a host actor and a kernel actor of the same interface answer the same requests alike") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  adder_if host = sys.spawn(host_adder);
  adder_if gpu = spawn_kernel<adder_if>(sys, kernels::adder{}, cpu_config());
  static_assert(std::is_same_v<decltype(host), decltype(gpu)>);
  auto expected = ask(self, host);
  REQUIRE(expected.size() == 40);
  CHECK(ask(self, gpu) == expected);
}

TEST_CASE("an event-based actor requests from a kernel actor with then()") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto k = spawn_kernel<adder_if>(sys, kernels::adder{}, cpu_config());
  auto client = self.as_actor();
  sys.spawn([k, client](event_based_actor* me) -> behavior {
    me->request(k, patience, add{40, 2})
      .then([me, client](std::int32_t x) { me->send(client, x); },
            [me, client](const error&) { me->send(client, std::int32_t{-1}); });
    return {[](std::int32_t) {}};
  });
  std::int32_t got = 0;
  CHECK(self->receive_for(patience, [&](std::int32_t x) { got = x; }));
  CHECK(got == 42);
}

TEST_CASE("100,000 requests through an H2K ring of 4 slots are all answered, in order") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto cfg = cpu_config();
  cfg.h2k_capacity = 4;
  cfg.k2h_capacity = 4;
  auto k = spawn_kernel<adder_if>(sys, kernels::adder{}, cfg);
  constexpr std::int64_t n = 100'000;
  // All requests leave at once and the last waits behind the others: their
  // deadline covers the whole run (sanitizer builds on 2 busy cores).
  constexpr auto deadline = 6 * patience;
  std::vector<decltype(self->request(k, deadline, accumulate{1}))> handles;
  handles.reserve(n);
  for (std::int64_t i = 0; i < n; ++i)
    handles.push_back(self->request(k, deadline, accumulate{1}));
  std::int64_t expected = 0;
  std::int64_t wrong = 0;
  for (auto& h : handles) {
    ++expected;
    h.receive([&](std::int64_t total) { wrong += total != expected ? 1 : 0; },
              [&](const error& e) {
                ++wrong;
                MESSAGE("request failed: ", to_string(e));
              });
  }
  // Each total is the count of accumulates handled before and including it:
  // a lost or reordered request shows up as a wrong total.
  CHECK(wrong == 0);
  auto stats = self->request(actor_cast<actor>(k), patience, get_kernel_stats{})
                 .get<kernel_stats>();
  REQUIRE(stats);
  CHECK(stats->messages_processed == static_cast<std::uint64_t>(n));
  CHECK(stats->backlog == 0);
  CHECK(stats->pending_requests == 0);
}

TEST_CASE("1,000,000 messages from 4 senders all reach a kernel, each sender's in order") {
  using checker_if = typed_actor<result<void>(gpu_test::sequenced),
                                 result<gpu_test::order_summary>(gpu_test::order_query)>;
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto cfg = cpu_config();
  cfg.h2k_capacity = 256; // small enough that senders outrun the kernel: backlog
  auto k = spawn_kernel<checker_if>(sys, gpu_test::order_checker{}, cfg);
  constexpr std::uint32_t senders = 4;
  constexpr std::uint32_t per_sender = 250'000;
  std::vector<std::thread> threads;
  for (std::uint32_t s = 0; s < senders; ++s)
    threads.emplace_back([&sys, k, s] {
      scoped_actor self{sys};
      for (std::uint32_t i = 1; i <= per_sender; ++i)
        self->send(k, gpu_test::sequenced{s, i});
    });
  for (auto& t : threads)
    t.join();
  scoped_actor self{sys};
  gpu_test::order_summary last{};
  // Plain sends carry no answer: ask until every message was handled. The
  // kernel works through a backlog of up to 1,000,000 messages, which on a
  // loaded machine takes longer than any fixed limit: wait while it makes
  // progress, and give up only after `patience` without any.
  bool all = false;
  auto progress_deadline = std::chrono::steady_clock::now() + patience;
  while (!all && std::chrono::steady_clock::now() < progress_deadline) {
    auto s = self->request(k, patience, gpu_test::order_query{}).get();
    if (!s)
      break;
    if (s->received > last.received)
      progress_deadline = std::chrono::steady_clock::now() + patience;
    last = *s;
    all = last.received == std::uint64_t{senders} * per_sender;
    if (!all)
      std::this_thread::sleep_for(10ms); // polling interval, not a correctness wait
  }
  CHECK(all);
  CHECK(last.received == std::uint64_t{senders} * per_sender);
  CHECK(last.out_of_order == 0);
  for (std::uint32_t s = 0; s < senders; ++s)
    CHECK(last.last[s] == per_sender);
  auto stats = self->request(actor_cast<actor>(k), patience, get_kernel_stats{})
                 .get<kernel_stats>();
  REQUIRE(stats);
  CHECK(stats->backlog == 0);
}

TEST_CASE("a kernel actor's exit drains and releases its kernel; monitors see the reason") {
  auto baseline = live_kernel_count();
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  SUBCASE("kill") {
    auto k = spawn_kernel<adder_if>(sys, kernels::adder{}, cpu_config());
    self->monitor(k);
    CHECK(live_kernel_count() == baseline + 1);
    self->send_exit(k, exit_reason::kill);
    CHECK(await_down(self, k.address()) == exit_reason::kill);
    CHECK(live_kernel_count() == baseline); // released before the down message
  }
  SUBCASE("an exit message") {
    auto k = spawn_kernel<adder_if>(sys, kernels::adder{}, cpu_config());
    self->monitor(k);
    self->send_exit(k, exit_reason::user_shutdown);
    CHECK(await_down(self, k.address()) == exit_reason::user_shutdown);
    CHECK(live_kernel_count() == baseline);
  }
  SUBCASE("no handle left") {
    actor_addr addr;
    {
      auto k = spawn_kernel<adder_if>(sys, kernels::adder{}, cpu_config());
      self->monitor(k);
      addr = k.address();
    }
    CHECK(await_down(self, addr) == exit_reason::unreachable);
    CHECK(live_kernel_count() == baseline);
  }
  SUBCASE("requests in flight get their replies, dead_receiver or the exit reason") {
    auto k = spawn_kernel<adder_if>(sys, kernels::adder{}, cpu_config());
    self->monitor(k);
    std::vector<decltype(self->request(k, patience, add{1, 1}))> handles;
    for (std::int32_t i = 0; i < 200; ++i)
      handles.push_back(self->request(k, patience, add{i, 1}));
    self->send_exit(k, exit_reason::kill);
    int replies = 0;
    int dead = 0;
    int other = 0;
    std::int32_t i = 0;
    for (auto& h : handles) {
      h.receive([&](std::int32_t x) { replies += x == i + 1 ? 1 : 0; },
                [&](const error& e) {
                  // Requests the kernel holds get dead_receiver (the
                  // session's answer); those still in the proxy's mailbox
                  // get its exit reason.
                  (e == sec::dead_receiver || e == exit_reason::kill ? dead : other) += 1;
                });
      ++i;
    }
    CHECK(replies + dead == 200);
    CHECK(other == 0);
    CHECK(await_down(self, k.address()) == exit_reason::kill);
  }
  SUBCASE("the system's shutdown") {
    auto k = spawn_kernel<adder_if>(sys, kernels::adder{}, cpu_config());
    self->monitor(k);
    CHECK(value_or(self->request(k, patience, add{1, 2}).get(), -1) == 3);
    sys.shutdown();
  }
  CHECK(kernels_released(baseline));
}

namespace {
using faulty_if = typed_actor<result<std::int32_t>(gpu_test::echo), result<void>(gpu_test::fail)>;
using gated_if = typed_actor<result<std::uint32_t>(gpu_test::wait_for)>;
} // namespace

TEST_CASE("a kernel fault ends the kernel actor with kernel_fault") {
  auto baseline = live_kernel_count();
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto k = spawn_kernel<faulty_if>(sys, gpu_test::faulty{}, cpu_config());
  self->monitor(k);
  CHECK(value_or(self->request(k, patience, gpu_test::echo{7}).get(), -1) == 7);
  auto failed = self->request(k, patience, gpu_test::fail{42});
  auto after = self->request(k, patience, gpu_test::echo{8});
  error e1;
  failed.receive([] { FAIL("a faulting handler answered"); }, [&](const error& e) { e1 = e; });
  CHECK(e1 == gpu_error::kernel_fault);
  error e2;
  after.receive([](std::int32_t) { FAIL("a faulted kernel answered"); },
                [&](const error& e) { e2 = e; });
  // Queued behind the faulting request, it gets the fault too.
  CHECK(e2 == gpu_error::kernel_fault);
  CHECK(e2.context().find("42") != std::string_view::npos);
  auto reason = await_down(self, k.address());
  CHECK(reason == gpu_error::kernel_fault);
  CHECK(reason.context().find("42") != std::string_view::npos);
  CHECK(kernels_released(baseline));
}

TEST_CASE("the request that faults a kernel gets kernel_fault once the kernel actor is exiting") {
  // A requester (a pool, say) must tell the kernel's own fault from a
  // kernel_fault that a live actor passes on: it asks is_exiting().
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  for (auto mode : {loop_mode::persistent, loop_mode::launch}) {
    CAPTURE(static_cast<int>(mode));
    for (int i = 0; i < 20; ++i) {
      auto cfg = cpu_config();
      cfg.mode = mode;
      auto k = spawn_kernel<faulty_if>(sys, gpu_test::faulty{}, cfg);
      bool exiting = false;
      error e;
      self->request(k, patience, gpu_test::fail{1})
        .receive([] { FAIL("a faulting handler answered"); },
                 [&](const error& x) {
                   exiting = k.ctrl()->is_exiting();
                   e = x;
                 });
      CHECK(e == gpu_error::kernel_fault);
      CHECK(exiting);
    }
  }
}

TEST_CASE("a kernel whose heartbeat stops ends with kernel_stalled; its requests get an error") {
  auto baseline = live_kernel_count();
  // Declared before the system, so it outlives it: a kernel still
  // draining at shutdown may read it.
  std::uint32_t gate = 0;
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto cfg = cpu_config();
  cfg.heartbeat_interval = 5ms;
  cfg.stall_timeout = 200ms;
  auto k = spawn_kernel<gated_if>(sys, gpu_test::gated{&gate}, cfg);
  self->monitor(k);
  auto stuck = self->request(k, patience, gpu_test::wait_for{1}); // spins until the gate opens
  auto queued = self->request(k, patience, gpu_test::wait_for{0});
  CHECK(await_down(self, k.address()) == gpu_error::kernel_stalled);
  int dead = 0;
  for (auto* h : {&stuck, &queued})
    h->receive([](std::uint32_t) { FAIL("a stalled kernel answered"); },
               [&](const error& e) {
                 // dead_receiver from the kernel, the exit reason from the
                 // proxy's mailbox.
                 dead += e == sec::dead_receiver || e == gpu_error::kernel_stalled ? 1 : 0;
               });
  CHECK(dead == 2);
  // Let the handler return so that its thread can be joined.
  dev::atomic_store(gate, std::uint32_t{1}, mem_order::release);
  CHECK(kernels_released(baseline));
}

namespace {

struct hold_then_notify {
  std::uint64_t receiver;
};
struct late_note {
  std::uint32_t value;
};

/// Waits at the gate, then sends the host actor `receiver` a note and
/// counts it in `sent` (after send_host returned: delivery was attempted).
struct late_sender {
  using inputs = message_list<hold_then_notify>;
  using outputs = message_list<late_note>;

  template <class Ctx>
  RINGACTOR_DEVICE void handle(Ctx& ctx, const hold_then_notify& m) const {
    // Pairs with the host's release store that opens the gate.
    while (dev::atomic_load(*gate, mem_order::acquire) == 0)
      dev::pause();
    ctx.send_host(m.receiver, late_note{7});
    dev::atomic_store(*sent, std::uint32_t{1}, mem_order::release);
  }

  std::uint32_t* gate;
  std::uint32_t* sent;
};

using late_sender_if = typed_actor<result<void>(hold_then_notify)>;

} // namespace

TEST_CASE("a hung kernel that wakes after its actor system is gone sends into nothing") {
  // Its proxy stopped waiting for it (kernel_stalled), so the system can be
  // destroyed while the kernel's thread still runs the handler. A message
  // the kernel sends afterwards must not reach into the destroyed system
  // (the address sanitizer reported a use after free in its registry).
  auto baseline = live_kernel_count();
  std::uint32_t gate = 0;
  std::uint32_t sent = 0;
  {
    actor_system sys{actor_system_config{}.set_workers(2)};
    scoped_actor self{sys};
    auto cfg = cpu_config();
    cfg.heartbeat_interval = 5ms;
    cfg.stall_timeout = 100ms;
    auto k = spawn_kernel<late_sender_if>(sys, late_sender{&gate, &sent}, cfg);
    self->monitor(k);
    auto receiver = sys.spawn([](event_based_actor*) -> behavior { return {[](late_note) {}}; });
    self->send(k, hold_then_notify{receiver.id()});
    CHECK(await_down(self, k.address()) == gpu_error::kernel_stalled);
  }
  dev::atomic_store(gate, std::uint32_t{1}, mem_order::release);
  CHECK(test_util::eventually([&] { return dev::atomic_load(sent, mem_order::acquire) == 1; },
                              patience));
  CHECK(kernels_released(baseline));
}

TEST_CASE("what a kernel sends to a host actor that is gone is counted as dropped") {
  using reporter_if = typed_actor<result<void>(gpu_test::report)>;
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto k = spawn_kernel<reporter_if>(sys, gpu_test::reporter{}, cpu_config());
  auto stats = [&] {
    return self->request(actor_cast<actor>(k), patience, get_kernel_stats{})
      .get<kernel_stats>()
      .value();
  };
  actor relay = sys.spawn([to = actor{self->ctrl()}](event_based_actor* me) -> behavior {
    return {[me, to](gpu_test::progress p) { me->send(to, p); }};
  });
  REQUIRE(self->request(k, patience, gpu_test::report{relay.id(), 7}).get());
  std::int32_t got = 0;
  CHECK(self->receive_for(patience, [&](gpu_test::progress p) { got = p.value; }));
  CHECK(got == 7);
  CHECK(stats().host_messages_dropped == 0);
  self->monitor(relay);
  self->send_exit(relay, exit_reason::kill);
  CHECK(await_down(self, relay.address()) == exit_reason::kill);
  REQUIRE(self->request(k, patience, gpu_test::report{relay.id(), 8}).get());
  CHECK(test_util::eventually([&] { return stats().host_messages_dropped == 1; }));
}

TEST_CASE("launch mode gives the same answers as persistent mode") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto cfg = cpu_config();
  auto persistent = spawn_kernel<adder_if>(sys, kernels::adder{}, cfg);
  cfg.mode = loop_mode::launch;
  auto launched = spawn_kernel<adder_if>(sys, kernels::adder{}, cfg);
  CHECK(ask(self, launched) == ask(self, persistent));
  auto stats = self->request(actor_cast<actor>(launched), patience, get_kernel_stats{})
                 .get<kernel_stats>();
  REQUIRE(stats);
  CHECK(stats->mode == loop_mode::launch);
  CHECK(stats->messages_processed == 40);
}

TEST_CASE(
  "a kernel actor reports statistics and answers an untyped message it lacks with an error") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto k = spawn_kernel<adder_if>(sys, kernels::adder{}, cpu_config());
  for (std::int32_t i = 0; i < 5; ++i)
    CHECK(value_or(self->request(k, patience, add{i, i}).get(), -1) == 2 * i);
  auto stats = self->request(actor_cast<actor>(k), patience, get_kernel_stats{})
                 .get<kernel_stats>();
  REQUIRE(stats);
  CHECK(stats->backend == kernel_backend::cpu);
  CHECK(stats->messages_processed == 5);
  CHECK(stats->h2k_depth == 0);
  CHECK(stats->pending_requests == 0);
  CHECK(stats->heartbeat >= 1);
  CHECK(stats->heartbeat_age < patience);
  auto r = self->request(actor_cast<actor>(k), patience, std::string{"not a kernel message"})
             .get<std::int32_t>();
  REQUIRE_FALSE(r);
  CHECK(r.error() == sec::unexpected_message);
}

TEST_CASE("a host actor of another actor system is never taken for a kernel actor") {
  // Kernel ports are found by actor id, process-wide (K2K brokers claim
  // them): ids must not repeat across the actor systems of one process.
  actor_system sys1{actor_system_config{}.set_workers(1)};
  actor_system sys2{actor_system_config{}.set_workers(1)};
  auto k = spawn_kernel<adder_if>(sys1, kernels::adder{}, cpu_config());
  actor host;
  for (actor_id n = 0; n <= k.id() && (!host || host.id() < k.id()); ++n)
    host = sys2.spawn([]() -> behavior { return {[](int x) { return x; }}; });
  REQUIRE(host);
  CHECK(host.id() != k.id());
  int owner = 0;
  auto port = claim_kernel_port(host.id(), &owner);
  CHECK_FALSE(port.has_value());
  if (port)
    release_kernel_port(host.id(), &owner);
  // The kernel's own port is found.
  auto own = claim_kernel_port(k.id(), &owner);
  CHECK(own.has_value());
  if (own)
    release_kernel_port(k.id(), &owner);
}

TEST_CASE("100 kernel actors are alive at once") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  std::vector<adder_if> ks;
  for (int i = 0; i < 100; ++i)
    ks.push_back(spawn_kernel<adder_if>(sys, kernels::adder{}, cpu_config()));
  std::int32_t sum = 0;
  for (std::int32_t i = 0; i < 100; ++i)
    self->request(ks[static_cast<std::size_t>(i)], patience, add{i, 0})
      .receive([&](std::int32_t x) { sum += x; }, [](const error&) {});
  CHECK(sum == 4950);
}

TEST_CASE("spawn_kernel after shutdown throws system_shut_down and starts no kernel") {
  auto baseline = live_kernel_count();
  actor_system sys{actor_system_config{}.set_workers(2)};
  sys.shutdown();
  auto cfg = cpu_config();
  // Long: a kernel that were started and then waited for would show.
  cfg.stall_timeout = 10s;
  auto started = std::chrono::steady_clock::now();
  CHECK_THROWS_AS(spawn_kernel<adder_if>(sys, kernels::adder{}, cfg), system_shut_down);
  auto took = std::chrono::steady_clock::now() - started;
  // Refused before any ring, thread or device work.
  CHECK(live_kernel_count() == baseline);
  CHECK(took < cfg.stall_timeout);
  CHECK(kernels_released(baseline));
}

namespace {

/// A gated kernel that says when its handler has started (before it waits).
struct announcing_gate {
  using inputs = message_list<gpu_test::wait_for>;

  template <class Ctx>
  std::uint32_t handle(Ctx&, const gpu_test::wait_for& m) const {
    // Pairs with the test's acquire load of `entered`.
    dev::atomic_store(*entered, m.ticket, mem_order::release);
    // Pairs with the test's release store that opens the gate.
    while (dev::atomic_load(*gate, mem_order::acquire) < m.ticket)
      dev::pause();
    return m.ticket;
  }

  std::uint32_t* gate;
  std::uint32_t* entered;
};

} // namespace

TEST_CASE("a send to a launch-mode kernel actor does not wait for the launch in progress") {
  // Declared before the system, so it outlives it: a kernel still
  // draining at shutdown may read it.
  std::uint32_t gate = 0;
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  std::uint32_t entered = 0;
  auto cfg = cpu_config();
  cfg.mode = loop_mode::launch;
  auto k = spawn_kernel<gated_if>(sys, announcing_gate{&gate, &entered}, cfg);
  // The proxy launches for this request and stays in the launch until the
  // gate opens.
  auto stuck = self->request(k, patience, gpu_test::wait_for{1});
  auto deadline = std::chrono::steady_clock::now() + patience;
  while (dev::atomic_load(entered, mem_order::acquire) == 0
         && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
  REQUIRE(dev::atomic_load(entered, mem_order::acquire) == 1);
  // A send from another actor only enqueues: it returns while the launch
  // still runs (the gate opens only after the check below).
  std::atomic<bool> sent{false};
  std::thread sender{[&] {
    scoped_actor other{sys};
    other->send(k, gpu_test::wait_for{0});
    sent.store(true, std::memory_order_release);
  }};
  deadline = std::chrono::steady_clock::now() + 5s;
  while (!sent.load(std::memory_order_acquire) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
  CHECK(sent.load(std::memory_order_acquire));
  dev::atomic_store(gate, std::uint32_t{1}, mem_order::release);
  sender.join();
  stuck.receive([](std::uint32_t x) { CHECK(x == 1); },
                [](const error& e) { FAIL("the gated request failed: ", to_string(e)); });
  // The message sent meanwhile reached the kernel too.
  CHECK(value_or(self->request(k, patience, gpu_test::wait_for{0}).get(), 7u) == 0u);
  auto stats = self->request(actor_cast<actor>(k), patience, get_kernel_stats{})
                 .get<kernel_stats>();
  REQUIRE(stats);
  CHECK(stats->messages_processed == 3);
}

TEST_CASE("a launch that hangs past the stall timeout ends the actor with kernel_stalled and "
          "gives its scheduler worker back") {
  auto baseline = live_kernel_count();
  // One worker: while the launch held it, no other actor could run.
  // Declared before the system, so it outlives it: a kernel still
  // draining at shutdown may read it.
  std::uint32_t gate = 0;
  actor_system sys{actor_system_config{}.set_workers(1)};
  scoped_actor self{sys};
  std::uint32_t entered = 0;
  auto cfg = cpu_config();
  cfg.mode = loop_mode::launch;
  cfg.heartbeat_interval = 5ms;
  cfg.stall_timeout = 200ms;
  auto k = spawn_kernel<gated_if>(sys, announcing_gate{&gate, &entered}, cfg);
  self->monitor(k);
  auto stuck = self->request(k, patience, gpu_test::wait_for{1}); // waits at the gate
  auto queued = self->request(k, patience, gpu_test::wait_for{0});
  CHECK(await_down(self, k.address()) == gpu_error::kernel_stalled);
  CHECK(dev::atomic_load(entered, mem_order::acquire) == 1); // it did hang in the handler
  error stuck_error;
  stuck.receive([](std::uint32_t) { FAIL("a stalled launch answered"); },
                [&](const error& e) { stuck_error = e; });
  CHECK(stuck_error == sec::dead_receiver);
  bool queued_failed = false;
  queued.receive([](std::uint32_t) { FAIL("a stalled kernel actor answered"); },
                 [&](const error&) { queued_failed = true; });
  CHECK(queued_failed);
  // The worker is free while the handler still hangs: a host actor answers.
  auto host = sys.spawn(host_adder);
  CHECK(value_or(self->request(host, patience, add{1, 2}).get(), -1) == 3);
  // Let the handler return: the session waits for it before it releases
  // the kernel's memory and thread.
  CHECK(live_kernel_count() > baseline);
  dev::atomic_store(gate, std::uint32_t{1}, mem_order::release);
  CHECK(kernels_released(baseline));
}

TEST_CASE("a kernel with the watchdog turned off (stall_timeout max) answers in launch mode and "
          "drains when it exits") {
  auto baseline = live_kernel_count();
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto cfg = cpu_config();
  cfg.mode = loop_mode::launch;
  cfg.stall_timeout = std::chrono::nanoseconds::max();
  auto launched = spawn_kernel<adder_if>(sys, kernels::adder{}, cfg);
  CHECK(value_or(self->request(launched, patience, add{1, 2}).get(), -1) == 3);
  cfg.mode = loop_mode::persistent;
  auto persistent = spawn_kernel<adder_if>(sys, kernels::adder{}, cfg);
  CHECK(value_or(self->request(persistent, patience, add{2, 3}).get(), -1) == 5);
  // One after the other: await_down drops the downs of other actors, so a
  // persistent kernel that exited first would have its down lost.
  self->monitor(launched);
  self->send_exit(launched, exit_reason::user_shutdown);
  CHECK(await_down(self, launched.address()) == exit_reason::user_shutdown);
  self->monitor(persistent);
  self->send_exit(persistent, exit_reason::user_shutdown);
  CHECK(await_down(self, persistent.address()) == exit_reason::user_shutdown);
  CHECK(kernels_released(baseline));
}

namespace {

struct halve {
  std::int32_t value;
};

/// Replies with a float where its interface says int. Its handler is
/// written for kernel_context itself, so spawn_kernel's compile-time reply
/// check cannot instantiate it (a generic handler with this reply does not
/// compile, see kernel_reply_type_mismatch.cpp); float is one of its
/// outputs, so the reply slot's type id names it.
struct mislabelled_replier {
  using inputs = message_list<halve>;
  using outputs = message_list<float>;

  template <class Grid>
  RINGACTOR_DEVICE void handle(kernel_context<mislabelled_replier, Grid>& ctx,
                               const halve& m) const {
    ctx.reply(static_cast<float>(m.value) / 2);
  }
};

using halver_if = typed_actor<result<std::int32_t>(halve)>;

} // namespace

TEST_CASE("a kernel reply whose type id names another output type is refused, not reinterpreted") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto k = spawn_kernel<halver_if>(sys, mislabelled_replier{}, cpu_config());
  error failure;
  self->request(k, patience, halve{3})
    .receive([](std::int32_t x) { FAIL("a float reply was read as the int ", x); },
             [&](const error& e) { failure = e; });
  CHECK(failure == sec::unexpected_response);
  CHECK(failure.context().find("output type 1") != std::string_view::npos);
}

TEST_CASE("a watchdog that an idle kernel's heartbeat cannot satisfy is refused at spawn") {
  auto baseline = live_kernel_count();
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto cfg = cpu_config();
  // A parked kernel beats once per heartbeat interval: with a stall timeout
  // this short, an idle, healthy kernel would end with kernel_stalled.
  cfg.heartbeat_interval = 300ms;
  cfg.stall_timeout = 100ms;
  CHECK_THROWS_AS(spawn_kernel<adder_if>(sys, kernels::adder{}, cfg), std::invalid_argument);
  cfg.stall_timeout = cfg.heartbeat_interval;
  CHECK_THROWS_AS(spawn_kernel<adder_if>(sys, kernels::adder{}, cfg), std::invalid_argument);
  // No heartbeat interval: a parked kernel would never sleep.
  cfg.heartbeat_interval = 0ms;
  cfg.stall_timeout = 1s;
  CHECK_THROWS_AS(spawn_kernel<adder_if>(sys, kernels::adder{}, cfg), std::invalid_argument);
  CHECK(kernels_released(baseline));
}
