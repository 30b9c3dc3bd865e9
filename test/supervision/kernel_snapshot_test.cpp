// Kernel snapshots under supervision (CPU backend): a kernel with snapshot
// hooks that a supervisor restarts after kernel_fault or kernel_stalled
// continues from the last snapshot its predecessor published; one without
// hooks starts fresh; a snapshot is never torn and never taken after a
// message that faulted.
#include <doctest/doctest.h>

#include <algorithm>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <ringactor/all.hpp>
#include <ringactor/gpu/kernel_actor.hpp>
#include <ringactor/gpu/kernels/adder.hpp>
#include <ringactor/gpu/kernels/counter.hpp>
#include <ringactor/supervision/all.hpp>

#include "test_util.hpp"

using namespace ringactor;
using namespace ringactor::supervision;
using namespace std::chrono_literals;
using kernels::count;
using kernels::counter_state;
using kernels::read_counter;
using test_util::eventually;

namespace {

/// Blocks its handler until the test opens the gate: the heartbeat stops.
struct snapshot_hold {};

/// The library's counter, plus a message that stalls it (host-only test
/// kernel: it blocks on a host gate).
struct holding_counter : kernels::counter {
  using inputs = message_list<count, read_counter, snapshot_hold>;
  using kernels::counter::handle;

  template <class Ctx>
  RINGACTOR_DEVICE void handle(Ctx&, const snapshot_hold&) const {
    gate->mark_entered();
    gate->wait();
  }

  test_util::gate* gate = nullptr;
};

/// The counter without snapshot hooks.
struct plain_counter {
  using inputs = message_list<count, read_counter>;

  template <class Ctx>
  RINGACTOR_DEVICE void handle(Ctx& ctx, const count& m) {
    ++state.events;
    if (m.value < 0) {
      ctx.fault(1);
      return;
    }
    state.total += m.value;
    ctx.reply(state.total);
  }

  template <class Ctx>
  RINGACTOR_DEVICE counter_state handle(Ctx&, const read_counter&) const {
    return state;
  }

  counter_state state;
};

/// Every message sets all 64 words of the state to the message count: a
/// torn snapshot would snapshot_hold two different values.
struct tick {};

struct wide_state {
  std::uint64_t words[64];
};

/// Keeps a host reader of the snapshots and the kernel publishing them in
/// step, whatever the scheduler does: the handler of tick n waits until the
/// reader has read snapshot n - lag or a later one (snapshots 1 to n - 1 are
/// published by then, so the wait ends), hence the reader reads all the time
/// the kernel publishes. A lag above 2 leaves the kernel room to rewrite the
/// slot of a read that is slow (preempted) half way.
struct reader_pace {
  static constexpr std::uint64_t lag = 8;
  static constexpr auto patience = 30s;

  /// The reader's side: it read snapshot `n`.
  void read(std::uint64_t n) {
    // Relaxed: a progress count; nothing else is read through it.
    seen_.store(n, std::memory_order_relaxed);
  }

  /// The kernel's side, in the handler of tick `n`; gives up (and says so
  /// in timed_out()) after `patience`.
  void wait_for_reader(std::uint64_t n) {
    if (n <= lag)
      return;
    if (!test_util::eventually([&] { return seen_.load(std::memory_order_relaxed) >= n - lag; },
                               patience))
      timed_out_.store(true, std::memory_order_relaxed);
  }

  bool timed_out() const { return timed_out_.load(std::memory_order_relaxed); }

private:
  std::atomic<std::uint64_t> seen_{0};
  std::atomic<bool> timed_out_{false};
};

struct wide_kernel {
  using inputs = message_list<tick>;
  using snapshot_type = wide_state;

  template <class Ctx>
  RINGACTOR_DEVICE std::uint64_t handle(Ctx&, const tick&) {
    ++ticks;
    if (pace != nullptr)
      pace->wait_for_reader(ticks); // host-only test kernel
    for (auto& w : state.words)
      w = ticks;
    return ticks;
  }

  RINGACTOR_HOST_DEVICE wide_state snapshot() const { return state; }
  RINGACTOR_HOST_DEVICE void restore(const wide_state& s) {
    state = s;
    ticks = s.words[0];
  }

  wide_state state{};
  std::uint64_t ticks = 0;
  reader_pace* pace = nullptr;
};

using counter_if = typed_actor<result<std::int64_t>(count), result<counter_state>(read_counter)>;
using holding_if = typed_actor<result<std::int64_t>(count), result<counter_state>(read_counter),
                               result<void>(snapshot_hold)>;
using wide_if = typed_actor<result<std::uint64_t>(tick)>;

kernel_config config(std::shared_ptr<kernel_snapshot_store_base> store,
                     std::uint32_t interval = 1) {
  kernel_config cfg;
  cfg.backend = kernel_backend::cpu;
  cfg.h2k_capacity = 64;
  cfg.k2h_capacity = 64;
  cfg.spin_before_park = 64;
  cfg.snapshots = std::move(store);
  cfg.snapshot_interval = interval;
  return cfg;
}

/// The handle of snapshot_child `name` once it was started `starts` times.
actor snapshot_child(scoped_actor& self, const actor& sup, const std::string& name,
                     std::uint64_t starts) {
  actor found;
  eventually([&] {
    auto kids = self->request(sup, 5s, which_children{}).get<std::vector<child_info>>();
    if (kids)
      for (auto& c : *kids)
        if (c.name == name && c.starts == starts && c.handle)
          found = c.handle;
    return static_cast<bool>(found);
  });
  return found;
}

template <class Handle>
std::int64_t add_all(scoped_actor& self, const Handle& k, std::int64_t from, std::int64_t to) {
  std::int64_t total = -1;
  for (auto i = from; i <= to; ++i)
    total = self->request(k, 5s, count{i}).get().value();
  return total;
}

} // namespace

TEST_SUITE_BEGIN("supervision");

TEST_CASE("a supervised kernel with snapshot hooks continues from its snapshot after "
          "kernel_fault") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto store = kernel_snapshot_store<counter_state>::make();
  auto sup = sys.spawn(supervisor{
    .strategy = one_for_one{.max_restarts = 5, .within = 10s},
    .children = {{.name = "counter", .start = [store](actor_system& s) {
                    return spawn_kernel<counter_if>(s, kernels::counter{}, config(store));
                  }}}});
  auto k1 = actor_cast<counter_if>(snapshot_child(self, sup, "counter", 1));
  REQUIRE(k1);
  CHECK_EQ(add_all(self, k1, 1, 10), 55);
  auto failed = self->request(k1, 5s, count{-1}).get();
  REQUIRE_FALSE(failed.has_value());
  CHECK_EQ(failed.error(), gpu_error::kernel_fault);
  auto k2 = actor_cast<counter_if>(snapshot_child(self, sup, "counter", 2));
  REQUIRE(k2);
  auto st = self->request(k2, 5s, read_counter{}).get();
  REQUIRE(st.has_value());
  CHECK_EQ(st->total, 55);
  CHECK_EQ(st->events, 10u); // the faulting message counted its event: not in the snapshot
  CHECK_EQ(self->request(k2, 5s, count{5}).get().value(), 60);
  // The restarted kernel publishes its own snapshots into the same store.
  auto rec = store->latest_record();
  REQUIRE(rec.has_value());
  CHECK_EQ(rec->kernel, 2u);
  CHECK_EQ(rec->state.total, 60);
  CHECK_EQ(rec->messages, 2u); // read_counter and count{5}
  self->send_exit(sup, exit_reason::user_shutdown);
}

TEST_CASE("a supervised kernel with snapshot hooks continues from its snapshot after "
          "kernel_stalled") {
  static test_util::gate gate; // the stalled kernel's thread may outlive the test
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto store = kernel_snapshot_store<counter_state>::make();
  auto sup = sys.spawn(supervisor{
    .strategy = one_for_one{.max_restarts = 5, .within = 10s},
    .children = {{.name = "counter", .start = [store](actor_system& s) {
                    auto cfg = config(store);
                    cfg.heartbeat_interval = 2ms;
                    cfg.stall_timeout = 100ms;
                    holding_counter k;
                    k.gate = &gate;
                    return spawn_kernel<holding_if>(s, k, cfg);
                  }}}});
  auto k1 = actor_cast<holding_if>(snapshot_child(self, sup, "counter", 1));
  REQUIRE(k1);
  CHECK_EQ(add_all(self, k1, 1, 20), 210);
  auto stalled = self->request(k1, 5s, snapshot_hold{}).get();
  REQUIRE_FALSE(stalled.has_value());
  CHECK(gate.wait_entered());
  auto k2 = actor_cast<holding_if>(snapshot_child(self, sup, "counter", 2));
  REQUIRE(k2);
  auto st = self->request(k2, 5s, read_counter{}).get();
  REQUIRE(st.has_value());
  CHECK_EQ(st->total, 210);
  CHECK_EQ(st->events, 20u);
  CHECK_EQ(self->request(k2, 5s, count{1}).get().value(), 211);
  self->send_exit(sup, exit_reason::user_shutdown);
  gate.open(); // lets the stalled kernel's thread finish
}

TEST_CASE("each kernel worker of a pool continues from its own snapshot after a restart") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  std::vector<std::shared_ptr<kernel_snapshot_store<counter_state>>> stores;
  for (int i = 0; i < 2; ++i)
    stores.push_back(kernel_snapshot_store<counter_state>::make());
  auto p = sys.spawn(pool<counter_if>{
    .size = 2,
    .worker_factory =
      [stores](actor_system& s, std::size_t worker) {
        return spawn_kernel<counter_if>(s, kernels::counter{}, config(stores.at(worker)));
      },
    .strategy = one_for_one{.max_restarts = 5, .within = 10s},
    .dispatch = round_robin{}});
  auto add = [&](std::int64_t x) { return self->request(p, 5s, count{x}).get(); };
  // Round robin: worker 0 gets the tens, worker 1 the ones.
  CHECK_EQ(add(10).value(), 10);
  CHECK_EQ(add(1).value(), 1);
  CHECK_EQ(add(10).value(), 20);
  CHECK_EQ(add(1).value(), 2);
  REQUIRE(stores[0]->latest_record().has_value());
  REQUIRE(stores[1]->latest_record().has_value());
  CHECK_EQ(stores[0]->latest_record()->state.total, 20);
  CHECK_EQ(stores[1]->latest_record()->state.total, 2);
  // Worker 0 faults (its turn); the pool restarts it.
  auto failed = add(-1);
  REQUIRE_FALSE(failed.has_value());
  REQUIRE(eventually([&] {
    auto st = self->request(actor_cast<actor>(p), 5s, get_pool_stats{}).get<pool_stats>();
    return st && st->restarts == 1 && st->workers.size() == 2
           && std::all_of(st->workers.begin(), st->workers.end(),
                          [](const worker_stats& w) { return w.running; });
  }));
  // Each worker answers from its own total: the restarted one from its own
  // snapshot (20), not from the other worker's (2).
  std::vector<std::int64_t> totals{add(0).value(), add(0).value()};
  std::sort(totals.begin(), totals.end());
  CHECK_EQ(totals, std::vector<std::int64_t>{2, 20});
  self->send_exit(p, exit_reason::user_shutdown);
}

TEST_CASE("a supervised kernel without snapshot hooks restarts from its initial state") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto sup = sys.spawn(supervisor{
    .strategy = one_for_one{.max_restarts = 5, .within = 10s},
    .children = {{.name = "counter", .start = [](actor_system& s) {
                    return spawn_kernel<counter_if>(s, plain_counter{}, config(nullptr));
                  }}}});
  auto k1 = actor_cast<counter_if>(snapshot_child(self, sup, "counter", 1));
  REQUIRE(k1);
  CHECK_EQ(add_all(self, k1, 1, 10), 55);
  CHECK_FALSE(self->request(k1, 5s, count{-1}).get().has_value());
  auto k2 = actor_cast<counter_if>(snapshot_child(self, sup, "counter", 2));
  REQUIRE(k2);
  auto st = self->request(k2, 5s, read_counter{}).get();
  REQUIRE(st.has_value());
  CHECK_EQ(st->total, 0);
  CHECK_EQ(st->events, 0u);
  self->send_exit(sup, exit_reason::user_shutdown);
}

TEST_CASE("a kernel type without snapshot hooks, or another snapshot type, is refused a store") {
  actor_system sys{actor_system_config{}.set_workers(1)};
  auto store = kernel_snapshot_store<counter_state>::make();
  CHECK_THROWS_AS(spawn_kernel<counter_if>(sys, plain_counter{}, config(store)),
                  std::invalid_argument);
  auto wrong = kernel_snapshot_store<wide_state>::make();
  CHECK_THROWS_AS(spawn_kernel<counter_if>(sys, kernels::counter{}, config(wrong)),
                  std::invalid_argument);
  CHECK_THROWS_AS(spawn_kernel<counter_if>(sys, kernels::counter{}, config(store, 0)),
                  std::invalid_argument);
  CHECK_FALSE(store->latest().has_value());
}

TEST_CASE("no snapshot is published after a message that faulted") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto store = kernel_snapshot_store<counter_state>::make();
  auto k = spawn_kernel<counter_if>(sys, kernels::counter{}, config(store));
  CHECK_EQ(add_all(self, k, 1, 3), 6);
  // The reply to a request implies the snapshot that includes it.
  auto before = store->latest_record();
  REQUIRE(before.has_value());
  CHECK_EQ(before->state.total, 6);
  CHECK_EQ(before->state.events, 3u);
  CHECK_EQ(before->messages, 3u);
  self->monitor(k);
  CHECK_FALSE(self->request(k, 5s, count{-100}).get().has_value());
  self->receive([](down_msg& d) { CHECK_EQ(d.reason, gpu_error::kernel_fault); });
  auto after = store->latest_record();
  REQUIRE(after.has_value());
  CHECK_EQ(after->state.total, 6);
  CHECK_EQ(after->state.events, 3u); // the faulting handler had counted a 4th event
  CHECK_EQ(after->messages, 3u);
  CHECK_EQ(after->kernel, 1u);
}

TEST_CASE("snapshot_interval: a snapshot every n messages, and one when the kernel drains") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto store = kernel_snapshot_store<counter_state>::make();
  auto k = spawn_kernel<counter_if>(sys, kernels::counter{}, config(store, 4));
  CHECK_EQ(add_all(self, k, 1, 3), 6);
  CHECK_FALSE(store->latest().has_value());
  CHECK_EQ(add_all(self, k, 4, 6), 21);
  auto rec = store->latest_record();
  REQUIRE(rec.has_value());
  CHECK_EQ(rec->messages, 4u);
  CHECK_EQ(rec->state.total, 10);
  self->monitor(k);
  self->send_exit(k, exit_reason::user_shutdown);
  self->receive([](down_msg&) {});
  rec = store->latest_record();
  REQUIRE(rec.has_value());
  CHECK_EQ(rec->messages, 6u);
  CHECK_EQ(rec->state.total, 21);
  // And the next kernel spawned with the store starts there.
  auto k2 = spawn_kernel<counter_if>(sys, kernels::counter{}, config(store, 4));
  CHECK_EQ(self->request(k2, 5s, count{0}).get().value(), 21);
  self->send_exit(k2, exit_reason::user_shutdown);
}

TEST_CASE("launch mode and multi-block grids publish snapshots too") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  for (int variant = 0; variant < 2; ++variant) {
    CAPTURE(variant);
    auto store = kernel_snapshot_store<counter_state>::make();
    auto cfg = config(store, 2);
    if (variant == 0) {
      cfg.mode = loop_mode::launch; // a loop per message: the interval spans launches
    } else {
      cfg.grid = {.blocks = 2, .threads = 4};
      cfg.cpu_emulation = cpu_grid_emulation::thread_per_block;
    }
    auto k = spawn_kernel<counter_if>(sys, kernels::counter{}, cfg);
    CHECK_EQ(add_all(self, k, 1, 5), 15);
    auto rec = store->latest_record();
    REQUIRE(rec.has_value());
    CHECK_EQ(rec->messages, 4u);
    CHECK_EQ(rec->state.total, 10);
    self->monitor(k);
    self->send_exit(k, exit_reason::user_shutdown);
    self->receive([](down_msg&) {});
    rec = store->latest_record();
    REQUIRE(rec.has_value());
    CHECK_EQ(rec->messages, 5u);
    CHECK_EQ(rec->state.total, 15);
    auto k2 = spawn_kernel<counter_if>(sys, kernels::counter{}, cfg);
    CHECK_EQ(self->request(k2, 5s, count{1}).get().value(), 16);
    self->send_exit(k2, exit_reason::user_shutdown);
  }
}

TEST_CASE("save() seeds the next kernel; clear() makes it start fresh") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto store = kernel_snapshot_store<counter_state>::make();
  store->save(counter_state{.total = 1000, .events = 7});
  auto k = spawn_kernel<counter_if>(sys, kernels::counter{}, config(store));
  CHECK_EQ(self->request(k, 5s, count{1}).get().value(), 1001);
  store->clear();
  CHECK_FALSE(store->latest().has_value());
  auto k2 = spawn_kernel<counter_if>(sys, kernels::counter{}, config(store));
  CHECK_EQ(self->request(k2, 5s, count{1}).get().value(), 1);
  self->send_exit(k, exit_reason::user_shutdown);
  self->send_exit(k2, exit_reason::user_shutdown);
}

TEST_CASE("a host reading snapshots while the kernel publishes them never sees a torn one") {
  // The reader and the kernel run in step (reader_pace): the scheduler need
  // not happen to run the reader while the kernel publishes.
  constexpr std::uint64_t messages = 20000;
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto store = kernel_snapshot_store<wide_state>::make();
  auto cfg = config(store);
  cfg.h2k_capacity = 1024;
  cfg.stall_timeout = 2 * reader_pace::patience; // a handler waits for the reader
  reader_pace pace;
  wide_kernel kernel;
  kernel.pace = &pace;
  auto k = spawn_kernel<wide_if>(sys, kernel, cfg);
  std::atomic<bool> done{false};
  std::uint64_t reads = 0, torn = 0, backwards = 0, distinct = 0;
  std::thread reader{[&] {
    std::uint64_t last = 0;
    // Relaxed: a stop flag; the join below orders the counters.
    while (!done.load(std::memory_order_relaxed)) {
      auto rec = store->latest_record();
      if (!rec)
        continue;
      ++reads;
      auto first = rec->state.words[0];
      for (auto w : rec->state.words)
        if (w != first)
          ++torn;
      if (first != rec->messages)
        ++torn; // the message count travels in the same slot
      if (first < last)
        ++backwards;
      if (first != last)
        ++distinct;
      last = first;
      pace.read(first);
    }
  }};
  // In bursts, each ending in a request: on a loaded machine each step of
  // the pace may wait for a time slice (1.5k ticks/s at a load of 30 on 2
  // cores), so the timeout bounds one burst, not the whole run.
  constexpr std::uint64_t burst = 1000;
  static_assert(messages % burst == 0);
  std::uint64_t answered = 0;
  while (answered < messages) {
    for (std::uint64_t i = 1; i < burst; ++i)
      self->send(k, tick{});
    auto last = self->request(k, 60s, tick{}).get();
    if (!last || *last != answered + burst)
      break;
    answered = *last;
  }
  done.store(true, std::memory_order_relaxed);
  reader.join();
  CHECK_EQ(answered, messages);
  CAPTURE(reads);
  CAPTURE(distinct);
  CHECK_EQ(torn, 0u);
  CHECK_EQ(backwards, 0u);
  CHECK_FALSE(pace.timed_out());
  // The reader read a snapshot in each window of `lag` the kernel published,
  // while the kernel went on publishing: the reads overlapped the writes.
  CHECK_GE(distinct, (messages - 1) / reader_pace::lag);
  auto rec = store->latest_record();
  REQUIRE(rec.has_value());
  CHECK_EQ(rec->state.words[63], messages);
  self->send_exit(k, exit_reason::user_shutdown);
}

TEST_SUITE_END();
