// kernel_actor: a persistent kernel is an actor. The same interface is served
// by a host actor and by the adder kernel (kernels/adder.hpp); the client
// code cannot tell them apart. Runs on the CPU backend when no GPU exists.
#include <ringactor/all.hpp>
#include <ringactor/gpu/kernel_actor.hpp>
#include <ringactor/gpu/kernels/adder.hpp>

#include <cstdint>

#include <fmt/format.h>

using namespace ringactor;
using namespace std::chrono_literals;
using kernels::accumulate;
using kernels::add;

// The interface: a kernel actor and a host actor of it have the same handle type.
using adder_if = typed_actor<result<std::int32_t>(add), result<std::int64_t>(accumulate)>;

// The host version, for comparison.
struct adder_state {
  std::int64_t total = 0;
};
adder_if::behavior_type host_adder(adder_if::stateful_pointer<adder_state> self) {
  return {
    [](add m) { return m.a + m.b; },
    [self](accumulate m) { return self->state.total += m.value; },
  };
}

// Client code written once against the interface.
void use(scoped_actor& self, const char* what, const adder_if& a) {
  self->request(a, 5s, add{1, 2})
    .receive([&](std::int32_t sum) { fmt::print("{}: 1 + 2 = {}\n", what, sum); },
             [&](const error& e) { fmt::print("{}: failed: {}\n", what, e); });
  std::int64_t total = 0;
  for (std::int64_t i = 1; i <= 100; ++i) // kernel state persists across messages
    self->request(a, 5s, accumulate{i})
      .receive([&](std::int64_t t) { total = t; }, [](const error&) {});
  fmt::print("{}: total = {}\n", what, total);
}

int main() {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  adder_if host = sys.spawn(host_adder);
  // The kernel starts here: a persistent loop on the GPU when one exists and
  // the kernel was compiled for it, else on a host thread. A small H2K ring
  // shows backpressure: the proxy queues what does not fit, nothing is lost.
  adder_if gpu = spawn_kernel<adder_if>(sys, kernels::adder{}, {.h2k_capacity = 8});
  use(self, "host", host);
  use(self, "kernel", gpu);
  // Statistics through the untyped handle.
  auto stats = self->request(actor_cast<actor>(gpu), 5s, get_kernel_stats{}).get<kernel_stats>();
  if (stats)
    fmt::print("kernel: {} messages on the {} backend\n", stats->messages_processed,
               stats->backend == kernel_backend::cuda ? "cuda" : "cpu");
  // A kernel actor dies like any actor: monitors see the reason, and the
  // kernel drains and is released before the down message.
  self->monitor(gpu);
  self->send_exit(gpu, exit_reason::user_shutdown);
  self->receive([](down_msg& d) { fmt::print("kernel actor exited: {}\n", d.reason); });
}
