// A kernel actor's metric families move as its events happen
// (gpu_actors/include/ringactor/gpu/detail/kernel_metrics.hpp): messages
// handled, ring depths and backlog, round trips, heartbeat age, faults and
// stalls by reason; its gauges go back when it ends, its totals stay. All on
// the CPU backend, which runs the same kernel loop on host threads.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <ringactor/all.hpp>
#include <ringactor/gpu/kernel_actor.hpp>
#include <ringactor/gpu/kernels/adder.hpp>

#include "../gpu_actors/test_kernels.hpp"
#include "metrics_test_util.hpp"
#include "test_util.hpp"

using namespace ringactor;
using namespace std::chrono_literals;
using metrics_test::histogram_of;
using metrics_test::value_of;
using test_util::eventually;

namespace {

using adder_if = typed_actor<result<std::int32_t>(kernels::add),
                             result<std::int64_t>(kernels::accumulate)>;
using gated_if = typed_actor<result<std::uint32_t>(gpu_test::wait_for)>;
using faulty_if = typed_actor<result<std::int32_t>(gpu_test::echo), result<void>(gpu_test::fail)>;

constexpr auto patience = 10s;

template <class T>
T value_or(expected<T> x, T fallback) {
  return x ? *x : fallback;
}

kernel_config cpu_named(std::string name) {
  kernel_config cfg;
  cfg.backend = kernel_backend::cpu;
  cfg.name = std::move(name);
  return cfg;
}

/// The value of `family`'s sample for kernel `name` on the CPU backend,
/// with `extra` label values after kernel, backend and device.
std::optional<double> kernel_value(actor_system& sys, std::string_view family,
                                   std::string_view name, std::string_view extra = {}) {
  if (extra.empty())
    return value_of(sys.metrics(), family, {name, "cpu", "host"});
  return value_of(sys.metrics(), family, {name, "cpu", "host", extra});
}

/// Whether `family`'s sample for kernel `name` (see kernel_value) comes to
/// equal `x` within the patience.
bool comes_to(actor_system& sys, std::string_view family, std::string_view name, double x,
              std::string_view extra = {}) {
  return eventually([&] { return kernel_value(sys, family, name, extra) == x; }, patience);
}

/// Ends `k` and waits for its down message; its exit reason.
template <class Handle>
error end_and_wait(scoped_actor& self, const Handle& k, bool send_exit = true) {
  self->monitor(k);
  if (send_exit)
    self->send_exit(k, exit_reason::user_shutdown);
  error reason;
  self->receive_for(patience, [&](down_msg& d) { reason = d.reason; });
  return reason;
}

} // namespace

TEST_CASE("a kernel's messages count equals the messages sent to it") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto k = spawn_kernel<adder_if>(sys, kernels::adder{}, cpu_named("km-count"));
  for (std::int32_t i = 0; i < 40; ++i)
    REQUIRE(value_or(self->request(k, patience, kernels::add{i, 1}).get(), -1) == i + 1);
  for (std::int64_t i = 0; i < 10; ++i)
    self->send(k, kernels::accumulate{i});
  CHECK(comes_to(sys, "ringactor_kernel_messages_total", "km-count", 50));
  // The total stays once the kernel ended.
  end_and_wait(self, k);
  CHECK(kernel_value(sys, "ringactor_kernel_messages_total", "km-count") == 50);
}

TEST_CASE("ring depth and backlog gauges rise while a kernel is blocked and return to 0 once "
          "it drained") {
  // Static: a kernel that does not drain within its stall timeout (a loaded
  // machine) is detached at shutdown and may still read the gate after
  // this function returns (ASan saw it read a dead stack slot).
  static std::uint32_t gate;
  dev::atomic_store(gate, std::uint32_t{0}, mem_order::relaxed);
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto cfg = cpu_named("km-depth");
  cfg.h2k_capacity = 4;
  auto k = spawn_kernel<gated_if>(sys, gpu_test::gated{&gate}, cfg);
  // The first blocks the handler; the ring fills behind it, then the proxy's
  // backlog.
  std::vector<decltype(self->request(k, patience, gpu_test::wait_for{1}))> pending;
  for (std::uint32_t i = 1; i <= 12; ++i)
    pending.push_back(self->request(k, patience, gpu_test::wait_for{i}));
  CHECK(eventually(
    [&] {
      return kernel_value(sys, "ringactor_kernel_ring_depth", "km-depth", "h2k").value_or(0) >= 3
             && kernel_value(sys, "ringactor_kernel_backlog", "km-depth").value_or(0) >= 1;
    },
    patience));
  CHECK(kernel_value(sys, "ringactor_kernel_ring_depth", "km-depth", "h2k").value_or(0) <= 4);
  // Pairs with the handler's acquire load of the gate.
  dev::atomic_store(gate, std::uint32_t{12}, mem_order::release);
  for (std::uint32_t i = 1; i <= 12; ++i)
    CHECK(value_or(pending[i - 1].get(), 0u) == i);
  CHECK(comes_to(sys, "ringactor_kernel_ring_depth", "km-depth", 0, "h2k"));
  CHECK(comes_to(sys, "ringactor_kernel_ring_depth", "km-depth", 0, "k2h"));
  CHECK(comes_to(sys, "ringactor_kernel_backlog", "km-depth", 0));
  end_and_wait(self, k);
}

TEST_CASE("a kernel's round-trip histogram counts every answered request, cumulatively") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto k = spawn_kernel<adder_if>(sys, kernels::adder{}, cpu_named("km-rtt"));
  auto count = [&] {
    auto h = histogram_of(sys.metrics(), "ringactor_kernel_round_trip_seconds",
                          {"km-rtt", "cpu", "host"});
    return h ? h->count() : std::uint64_t{0};
  };
  for (std::int32_t i = 0; i < 30; ++i)
    REQUIRE(value_or(self->request(k, patience, kernels::add{i, i}).get(), -1) == 2 * i);
  // A plain send is no request: no round trip.
  self->send(k, kernels::accumulate{1});
  CHECK(eventually([&] { return count() == 30; }, patience));
  for (std::int32_t i = 0; i < 20; ++i)
    REQUIRE(value_or(self->request(k, patience, kernels::add{i, 0}).get(), -1) == i);
  CHECK(eventually([&] { return count() == 50; }, patience));
  auto h = histogram_of(sys.metrics(), "ringactor_kernel_round_trip_seconds",
                        {"km-rtt", "cpu", "host"});
  REQUIRE(h);
  // Cumulative buckets, from 1 us, up to +Inf which holds every request.
  auto snap = sys.metrics().collect();
  auto f = snap.find("ringactor_kernel_round_trip_seconds");
  REQUIRE(f != nullptr);
  REQUIRE(!f->bounds.empty());
  CHECK(f->bounds.front() == doctest::Approx(1e-6));
  for (std::size_t i = 1; i < h->buckets.size(); ++i)
    CHECK(h->buckets[i - 1] <= h->buckets[i]);
  CHECK(h->buckets.back() == 50);
  CHECK(h->sum > 0);
  CHECK(h->sum < 50 * patience.count());
  end_and_wait(self, k);
  CHECK(count() == 50);
}

TEST_CASE("a live kernel's heartbeat age is published and goes back to 0 when it ends") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto cfg = cpu_named("km-beat");
  cfg.heartbeat_interval = 5ms;
  auto k = spawn_kernel<adder_if>(sys, kernels::adder{}, cfg);
  REQUIRE(value_or(self->request(k, patience, kernels::add{1, 2}).get(), -1) == 3);
  // An idle kernel beats every 5 ms: its age becomes positive, and stays
  // well below the stall timeout.
  CHECK(eventually(
    [&] {
      return kernel_value(sys, "ringactor_kernel_heartbeat_age_seconds", "km-beat").value_or(0) > 0;
    },
    patience));
  CHECK(kernel_value(sys, "ringactor_kernel_heartbeat_age_seconds", "km-beat").value_or(99) < 5);
  end_and_wait(self, k);
  CHECK(kernel_value(sys, "ringactor_kernel_heartbeat_age_seconds", "km-beat") == 0);
}

TEST_CASE("a kernel fault counts in faults_total under its reason") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto k = spawn_kernel<faulty_if>(sys, gpu_test::faulty{}, cpu_named("km-fault"));
  // Every reason is on the page from the start.
  for (auto reason : {"kernel_fault", "kernel_stalled", "device_lost", "not_resident"})
    CHECK(kernel_value(sys, "ringactor_kernel_faults_total", "km-fault", reason) == 0);
  REQUIRE(value_or(self->request(k, patience, gpu_test::echo{7}).get(), -1) == 7);
  self->monitor(k);
  auto failed = self->request(k, patience, gpu_test::fail{42});
  error e;
  failed.receive([] { FAIL("a faulting handler answered"); }, [&](const error& x) { e = x; });
  CHECK(e == gpu_error::kernel_fault);
  error reason;
  self->receive_for(patience, [&](down_msg& d) { reason = d.reason; });
  CHECK(reason == gpu_error::kernel_fault);
  CHECK(kernel_value(sys, "ringactor_kernel_faults_total", "km-fault", "kernel_fault") == 1);
  CHECK(kernel_value(sys, "ringactor_kernel_faults_total", "km-fault", "kernel_stalled") == 0);
}

TEST_CASE("a kernel whose heartbeat stops counts a kernel_stalled fault and gives its gauges "
          "back") {
  // Static: a kernel that does not drain within its stall timeout (a loaded
  // machine) is detached at shutdown and may still read the gate after
  // this function returns (ASan saw it read a dead stack slot).
  static std::uint32_t gate;
  dev::atomic_store(gate, std::uint32_t{0}, mem_order::relaxed);
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto cfg = cpu_named("km-stall");
  cfg.heartbeat_interval = 5ms;
  cfg.stall_timeout = 200ms;
  auto k = spawn_kernel<gated_if>(sys, gpu_test::gated{&gate}, cfg);
  self->monitor(k);
  auto stuck = self->request(k, patience, gpu_test::wait_for{1}); // blocks until the gate opens
  auto queued = self->request(k, patience, gpu_test::wait_for{0});
  error reason;
  self->receive_for(patience, [&](down_msg& d) { reason = d.reason; });
  CHECK(reason == gpu_error::kernel_stalled);
  CHECK(kernel_value(sys, "ringactor_kernel_faults_total", "km-stall", "kernel_stalled") == 1);
  // The kernel's thread still hangs, but its actor ended: no share left.
  CHECK(comes_to(sys, "ringactor_kernel_ring_depth", "km-stall", 0, "h2k"));
  CHECK(comes_to(sys, "ringactor_kernel_heartbeat_age_seconds", "km-stall", 0));
  for (auto* h : {&stuck, &queued})
    h->receive([](std::uint32_t) {}, [](const error&) {});
  // Let the handler return so that its thread can be joined.
  dev::atomic_store(gate, std::uint32_t{1}, mem_order::release);
}

TEST_CASE("a kernel that hangs while it drains counts one kernel_stalled fault") {
  // Static: a kernel that does not drain within its stall timeout (a loaded
  // machine) is detached at shutdown and may still read the gate after
  // this function returns (ASan saw it read a dead stack slot).
  static std::uint32_t gate;
  dev::atomic_store(gate, std::uint32_t{0}, mem_order::relaxed);
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto cfg = cpu_named("km-drain-stall");
  cfg.heartbeat_interval = 5ms;
  cfg.stall_timeout = 200ms;
  auto k = spawn_kernel<gated_if>(sys, gpu_test::gated{&gate}, cfg);
  auto stuck = self->request(k, patience, gpu_test::wait_for{1}); // blocks until the gate opens
  // An ordinary exit: the kernel cannot drain, its exit reason says nothing
  // of the stall.
  CHECK(end_and_wait(self, k) == exit_reason::user_shutdown);
  CHECK(comes_to(sys, "ringactor_kernel_faults_total", "km-drain-stall", 1, "kernel_stalled"));
  stuck.receive([](std::uint32_t) {}, [](const error&) {});
  dev::atomic_store(gate, std::uint32_t{1}, mem_order::release);
  CHECK(kernel_value(sys, "ringactor_kernel_faults_total", "km-drain-stall", "kernel_stalled")
        == 1);
}

TEST_CASE("kernels that share a name share the gauges; each takes its share back when it ends") {
  // Static: a kernel that does not drain within its stall timeout (a loaded
  // machine) is detached at shutdown and may still read the gate after
  // this function returns (ASan saw it read a dead stack slot).
  static std::uint32_t gate;
  dev::atomic_store(gate, std::uint32_t{0}, mem_order::relaxed);
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto cfg = cpu_named("km-shared");
  auto a = spawn_kernel<gated_if>(sys, gpu_test::gated{&gate}, cfg);
  auto b = spawn_kernel<gated_if>(sys, gpu_test::gated{&gate}, cfg);
  // Each blocks on its first request and holds two more in H2K.
  std::vector<decltype(self->request(a, patience, gpu_test::wait_for{1}))> pending;
  for (auto& k : {a, b})
    for (std::uint32_t i = 1; i <= 3; ++i)
      pending.push_back(self->request(k, patience, gpu_test::wait_for{i}));
  CHECK(comes_to(sys, "ringactor_kernel_ring_depth", "km-shared", 4, "h2k"));
  dev::atomic_store(gate, std::uint32_t{3}, mem_order::release);
  for (auto& p : pending)
    CHECK(p.get().has_value());
  CHECK(comes_to(sys, "ringactor_kernel_ring_depth", "km-shared", 0, "h2k"));
  end_and_wait(self, a);
  end_and_wait(self, b);
  CHECK(kernel_value(sys, "ringactor_kernel_messages_total", "km-shared") == 6);
  CHECK(kernel_value(sys, "ringactor_kernel_ring_depth", "km-shared", "h2k") == 0);
  CHECK(kernel_value(sys, "ringactor_kernel_ring_depth", "km-shared", "k2h") == 0);
  CHECK(kernel_value(sys, "ringactor_kernel_backlog", "km-shared") == 0);
  CHECK(kernel_value(sys, "ringactor_kernel_heartbeat_age_seconds", "km-shared") == 0);
}

TEST_CASE("a kernel spawned without a name is labelled by its type, never by an id") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  kernel_config cfg;
  cfg.backend = kernel_backend::cpu;
  auto k = spawn_kernel<adder_if>(sys, kernels::adder{}, cfg);
  REQUIRE(value_or(self->request(k, patience, kernels::add{2, 2}).get(), -1) == 4);
  auto name = std::string{type_name_of<kernels::adder>()};
  CHECK(comes_to(sys, "ringactor_kernel_messages_total", name, 1));
  auto snap = sys.metrics().collect();
  auto f = snap.find("ringactor_kernel_messages_total");
  REQUIRE(f != nullptr);
  for (auto& s : f->samples)
    CHECK(s.label_values.front() != std::to_string(k.id()));
  end_and_wait(self, k);
}

TEST_CASE("a histogram's batch add counts as the same observations would") {
  metrics::registry reg;
  auto& one = reg.histogram_singleton("km_one_seconds", "Observed one by one.");
  auto& batch = reg.histogram_singleton("km_batch_seconds", "Added in a batch.");
  std::vector<std::uint64_t> counts(metrics::default_time_buckets().size() + 1);
  double sum = 0;
  for (double x : {2e-6, 3e-6, 0.02, 20.0}) {
    one.observe(x);
    auto bounds = metrics::default_time_buckets();
    auto i = static_cast<std::size_t>(std::lower_bound(bounds.begin(), bounds.end(), x)
                                      - bounds.begin());
    ++counts[i];
    sum += x;
  }
  batch.add(counts, sum);
  for (std::size_t i = 0; i < counts.size(); ++i)
    CHECK(batch.bucket_count(i) == one.bucket_count(i));
  CHECK(batch.sum() == doctest::Approx(one.sum()));
  CHECK(batch.bucket_count(counts.size() - 1) == 1); // 20 s: +Inf
}
