// Supervision across a lost CUDA device (issue 17, defect 1), on a simulated
// CUDA device (test/simulated_cuda.hpp): a kernel child with the automatic
// backend restarts on the CPU from its host-memory snapshot, once; a child
// that insists on CUDA is refused at once, with no CUDA call, until the
// supervisor's restart intensity gives up.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <ringactor/all.hpp>
#include <ringactor/gpu/device_health.hpp>
#include <ringactor/gpu/kernel_actor.hpp>
#include <ringactor/gpu/kernels/counter.hpp>
#include <ringactor/supervision/all.hpp>

#include "simulated_cuda.hpp"
#include "test_util.hpp"

using namespace ringactor;
using namespace ringactor::supervision;
using namespace std::chrono_literals;
using kernels::count;
using kernels::counter_state;
using kernels::read_counter;
using test_util::eventually;

namespace {

using counter_if = typed_actor<result<std::int64_t>(count), result<counter_state>(read_counter)>;

kernel_config on_device_0(kernel_backend backend,
                          std::shared_ptr<kernel_snapshot_store_base> store = nullptr) {
  kernel_config cfg;
  cfg.backend = backend;
  cfg.device = 0;
  cfg.snapshots = std::move(store);
  return cfg;
}

/// The handle of child `name` once it was started `starts` times.
actor child(scoped_actor& self, const actor& sup, const std::string& name, std::uint64_t starts) {
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

kernel_backend backend_of(scoped_actor& self, const actor& k) {
  auto s = self->request(k, 5s, get_kernel_stats{}).get<kernel_stats>();
  REQUIRE(s.has_value());
  return s->backend;
}

} // namespace

TEST_SUITE_BEGIN("supervision");

TEST_CASE("a supervised kernel with the automatic backend restarts on the CPU after its CUDA "
          "device is lost, from its snapshot, with one restart") {
  test::simulated_cuda gpu{1};
  gpu.simulate<kernels::counter>();
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto store = kernel_snapshot_store<counter_state>::make();
  auto sup = sys.spawn(supervisor{
    .strategy = one_for_one{.max_restarts = 1, .within = 10s},
    .children = {{.name = "counter", .start = [store](actor_system& s) {
                    return spawn_kernel<counter_if>(s, kernels::counter{},
                                                    on_device_0(kernel_backend::automatic, store));
                  }}}});
  self->monitor(sup);
  auto k1 = actor_cast<counter_if>(child(self, sup, "counter", 1));
  REQUIRE(k1);
  REQUIRE_EQ(backend_of(self, actor_cast<actor>(k1)), kernel_backend::cuda);
  std::int64_t total = 0;
  for (int i = 1; i <= 10; ++i)
    total = self->request(k1, 5s, count{i}).get().value();
  REQUIRE_EQ(total, 55);
  gpu.inject(0, 700); // cudaErrorIllegalAddress
  auto k2 = actor_cast<counter_if>(child(self, sup, "counter", 2));
  REQUIRE(k2);
  CHECK_EQ(backend_of(self, actor_cast<actor>(k2)), kernel_backend::cpu);
  auto st = self->request(k2, 5s, read_counter{}).get();
  REQUIRE(st.has_value());
  CHECK_EQ(st->total, 55);
  CHECK_EQ(self->request(k2, 5s, count{5}).get().value(), 60);
  // One restart, within the intensity of one: the supervisor is alive.
  auto kids = self->request(sup, 5s, which_children{}).get<std::vector<child_info>>();
  REQUIRE(kids.has_value());
  REQUIRE_EQ(kids->size(), 1u);
  CHECK_EQ(kids->front().starts, 2u);
  self->send_exit(sup, exit_reason::user_shutdown);
}

TEST_CASE("a supervised kernel with the cuda backend is refused a restart on its lost device "
          "without a CUDA call, until the supervisor gives up") {
  test::simulated_cuda gpu{1};
  gpu.simulate<kernels::counter>();
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto sup = sys.spawn(supervisor{
    .strategy = one_for_one{.max_restarts = 3, .within = 30s},
    .children = {{.name = "counter", .start = [](actor_system& s) {
                    return spawn_kernel<counter_if>(s, kernels::counter{},
                                                    on_device_0(kernel_backend::cuda));
                  }}}});
  self->monitor(sup);
  auto k1 = actor_cast<counter_if>(child(self, sup, "counter", 1));
  REQUIRE(k1);
  REQUIRE_EQ(self->request(k1, 5s, count{1}).get().value(), 1);
  auto calls = gpu.cuda_calls();
  gpu.inject(0, 719); // cudaErrorLaunchFailure
  error reason;
  bool down = false;
  self->receive_for(20s, [&](down_msg& d) {
    reason = d.reason;
    down = true;
  });
  REQUIRE(down);
  CHECK_MESSAGE(reason == supervision_error::restart_intensity_exceeded, to_string(reason));
  CHECK(cuda_device_lost(0));
  CHECK_EQ(gpu.cuda_calls(), calls);
}
