// kernel_snapshot: a supervised kernel that survives a fault with its state.
// The counter kernel (kernels/counter.hpp) has snapshot hooks; its child
// factory passes the same snapshot store to every spawn, so the kernel the
// supervisor restarts after kernel_fault continues from the last snapshot
// its predecessor published, not from zero. Runs on the CPU backend when no
// GPU exists.
#include <ringactor/all.hpp>
#include <ringactor/gpu/kernel_actor.hpp>
#include <ringactor/gpu/kernels/counter.hpp>
#include <ringactor/supervision/all.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

using namespace ringactor;
using namespace std::chrono_literals;
using kernels::count;
using kernels::counter_state;
using kernels::read_counter;

using counter_if = typed_actor<result<std::int64_t>(count), result<counter_state>(read_counter)>;

// The supervisor's current handle of the child `name`, once it has been
// started `starts` times (the supervisor restarts it asynchronously).
counter_if child(scoped_actor& self, const actor& sup, const std::string& name,
                 std::uint64_t starts) {
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto kids = self->request(sup, 5s, supervision::which_children{})
                  .get<std::vector<supervision::child_info>>();
    if (kids)
      for (auto& c : *kids)
        if (c.name == name && c.starts == starts && c.handle)
          return actor_cast<counter_if>(c.handle);
    std::this_thread::yield();
  }
  return {};
}

int main() {
  set_log_level(log_level::error); // the fault is on purpose
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};

  // One store per supervised kernel: it outlives the kernels that publish into it.
  auto store = kernel_snapshot_store<counter_state>::make();
  auto sup = sys.spawn(supervision::supervisor{
    .strategy = supervision::one_for_one{.max_restarts = 3, .within = 10s},
    .children = {{.name = "counter", .start = [store](actor_system& s) {
                    // snapshot_interval 1: a snapshot after every message.
                    return spawn_kernel<counter_if>(s, kernels::counter{},
                                                    {.snapshots = store, .snapshot_interval = 1});
                  }}}});

  auto k = child(self, sup, "counter", 1);
  std::int64_t total = 0;
  for (std::int64_t i = 1; i <= 100; ++i)
    self->request(k, 5s, count{i}).receive([&](std::int64_t t) { total = t; }, [](const error&) {});
  fmt::print("counter: total = {} after 100 events\n", total);

  // A negative value makes the kernel fault half way through its handler
  // (after counting the event): the actor exits with kernel_fault and the
  // supervisor restarts it.
  self->request(k, 5s, count{-1})
    .receive([](std::int64_t) { fmt::print("counter: the fault was not injected\n"); },
             [](const error& e) { fmt::print("counter: faulted: {}\n", e); });

  // The restarted kernel starts from the last good snapshot: the faulting
  // message's half-done update (its event) is not in it.
  auto restarted = child(self, sup, "counter", 2);
  if (!restarted) {
    fmt::print("counter: not restarted\n");
    return 1;
  }
  auto st = self->request(restarted, 5s, read_counter{}).get();
  if (!st) {
    fmt::print("counter: read failed: {}\n", st.error());
    return 1;
  }
  fmt::print("counter: restarted with total = {} and {} events\n", st->total, st->events);
  self->request(restarted, 5s, count{1})
    .receive([&](std::int64_t t) { total = t; }, [](const error&) {});
  fmt::print("counter: total = {} after one more event\n", total);
  self->send_exit(sup, exit_reason::user_shutdown);
}
