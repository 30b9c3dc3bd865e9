// Kernel faults on the CPU backend: what the requests a faulted kernel
// leaves, and the monitors of its actor, are told.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <ringactor/all.hpp>
#include <ringactor/gpu/kernel_actor.hpp>

#include "../test_util.hpp"
#include "test_util.hpp"
#include "test_kernels.hpp"

using namespace ringactor;
using namespace std::chrono_literals;

namespace {

constexpr auto fault_patience = 20s;

/// Waits for the host's gate to reach `ticket`, marks `entered`, then
/// faults the kernel with `code`.
struct fault_at {
  std::uint32_t ticket;
  std::uint32_t code;
};

struct gated_faulty {
  using inputs = message_list<fault_at, gpu_test::echo>;

  template <class Ctx>
  RINGACTOR_DEVICE std::int32_t handle(Ctx&, const gpu_test::echo& m) const {
    return m.value;
  }

  template <class Ctx>
  RINGACTOR_DEVICE void handle(Ctx& ctx, const fault_at& m) const {
    // Pairs with the host's release store that opens the gate.
    while (dev::atomic_load(*gate, mem_order::acquire) < m.ticket)
      dev::pause();
    ctx.fault(m.code);
    // Pairs with the host's acquire load: the fault is raised.
    dev::atomic_store(*faulted, std::uint32_t{1}, mem_order::release);
  }

  std::uint32_t* gate;
  std::uint32_t* faulted;
};

using gated_faulty_if = typed_actor<result<void>(fault_at), result<std::int32_t>(gpu_test::echo)>;
using faulty_if = typed_actor<result<std::int32_t>(gpu_test::echo), result<void>(gpu_test::fail)>;

struct block {};

/// Error checks shared by the tests: a kernel_fault that names the code.
bool names_fault(const error& e, std::uint32_t code) {
  return e == gpu_error::kernel_fault
         && std::string{e.context()}.find("fault code " + std::to_string(code))
              != std::string::npos;
}

kernel_stats stats_of(scoped_actor& self, const actor& k) {
  auto s = self->request(k, fault_patience, get_kernel_stats{}).get<kernel_stats>();
  REQUIRE(s.has_value());
  return *s;
}

} // namespace

TEST_SUITE_BEGIN("gpu_actors");

TEST_CASE("the request that faults a kernel and its monitors get kernel_fault naming the code") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  for (auto mode : {loop_mode::persistent, loop_mode::launch}) {
    CAPTURE(static_cast<int>(mode));
    kernel_config cfg;
    cfg.backend = kernel_backend::cpu;
    cfg.mode = mode;
    auto k = spawn_kernel<faulty_if>(sys, gpu_test::faulty{}, cfg);
    self->monitor(k);
    auto echoed = self->request(k, fault_patience, gpu_test::echo{5}).get();
    CHECK((echoed.has_value() && *echoed == 5));
    auto r = self->request(k, fault_patience, gpu_test::fail{9}).get();
    REQUIRE_FALSE(r.has_value());
    CHECK_MESSAGE(names_fault(r.error(), 9), to_string(r.error()));
    auto reason = gpu_test::await_down(self, k.address());
    CHECK_MESSAGE(names_fault(reason, 9), to_string(reason));
  }
}

TEST_CASE("a fault answers the requests in H2K, in the proxy's backlog and in its mailbox with "
          "the fault, not dead_receiver") {
  // One scheduler worker, which a host actor occupies while the kernel
  // faults: the proxy cannot run, so requests wait in its mailbox.
  // Declared before the system, so it outlives it: a kernel still
  // draining at shutdown may read it.
  std::uint32_t gate = 0;
  actor_system sys{actor_system_config{}.set_workers(1)};
  scoped_actor self{sys};
  std::uint32_t faulted = 0;
  kernel_config cfg;
  cfg.backend = kernel_backend::cpu;
  cfg.h2k_capacity = 2;
  auto k = spawn_kernel<gated_faulty_if>(sys, gated_faulty{&gate, &faulted}, cfg);
  self->monitor(k);
  auto g = std::make_shared<test_util::gate>();
  auto blocker = sys.spawn([g]() -> behavior {
    return {[g](block) {
      g->mark_entered();
      g->wait();
    }};
  });
  std::vector<blocking_response_handle<std::int32_t>> echoes;
  // The kernel takes the first request and waits at the gate.
  auto faulting = self->request(k, fault_patience, fault_at{1, 7});
  REQUIRE(test_util::eventually([&] {
    return stats_of(self, actor_cast<actor>(k)).messages_processed == 0
           && stats_of(self, actor_cast<actor>(k)).h2k_depth == 0;
  }));
  // Two fill H2K, two go to the proxy's backlog.
  for (std::int32_t i = 0; i < 4; ++i)
    echoes.push_back(self->request(k, fault_patience, gpu_test::echo{i}));
  auto st = stats_of(self, actor_cast<actor>(k));
  CHECK_EQ(st.h2k_depth, 2u);
  CHECK_EQ(st.backlog, 2u);
  // Two wait in the mailbox of the proxy, which cannot run.
  self->send(blocker, block{});
  REQUIRE(g->wait_entered());
  for (std::int32_t i = 4; i < 6; ++i)
    echoes.push_back(self->request(k, fault_patience, gpu_test::echo{i}));
  // The kernel faults; two more come after the fault.
  dev::atomic_store(gate, std::uint32_t{1}, mem_order::release);
  REQUIRE(test_util::eventually([&] {
    return dev::atomic_load(faulted, mem_order::acquire) == 1;
  }));
  for (std::int32_t i = 6; i < 8; ++i)
    echoes.push_back(self->request(k, fault_patience, gpu_test::echo{i}));
  g->open();
  error first;
  faulting.receive([] { FAIL("a faulting handler answered"); }, [&](const error& e) { first = e; });
  CHECK_MESSAGE(names_fault(first, 7), to_string(first));
  for (size_t i = 0; i < echoes.size(); ++i) {
    CAPTURE(i);
    error e;
    echoes[i].receive([](std::int32_t) { FAIL("a faulted kernel answered"); },
                      [&](const error& x) { e = x; });
    CHECK_MESSAGE(names_fault(e, 7), to_string(e));
  }
  auto reason = gpu_test::await_down(self, k.address());
  CHECK_MESSAGE(names_fault(reason, 7), to_string(reason));
}

TEST_SUITE_END();
