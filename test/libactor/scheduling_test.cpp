// The order the scheduler runs work in (issue 18): spawn trees depth first,
// where inits run, and that nothing queued starves.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <thread>
#include <vector>

#include <ringactor/all.hpp>

#include "test_util.hpp"

using namespace ringactor;
using namespace std::chrono_literals;

namespace {

// -- recursive spawn (fib with one actor per call) ----------------------------

struct fib_ask {
  std::uint32_t n;
};
struct fib_answer {
  std::uint64_t value;
};

struct alive_counter {
  std::atomic<std::int64_t> now{0};
  std::atomic<std::int64_t> peak{0};
  void born() {
    auto n = now.fetch_add(1, std::memory_order_relaxed) + 1;
    auto p = peak.load(std::memory_order_relaxed);
    while (n > p && !peak.compare_exchange_weak(p, n, std::memory_order_relaxed)) {
    }
  }
  void died() { now.fetch_sub(1, std::memory_order_relaxed); }
};

struct fib_state {
  std::uint64_t first = 0;
  bool has_first = false;
};

behavior fib_actor(stateful_actor<fib_state>* self, actor parent, alive_counter* alive) {
  alive->born();
  return {
    [=](fib_ask a) {
      if (a.n < 2) {
        self->send(parent, fib_answer{a.n});
        alive->died();
        self->quit();
        return;
      }
      for (std::uint32_t k = 1; k <= 2; ++k)
        self->send(self->spawn(fib_actor, actor{self->ctrl()}, alive), fib_ask{a.n - k});
    },
    [=](fib_answer x) {
      if (!self->state.has_first) {
        self->state.first = x.value;
        self->state.has_first = true;
        return;
      }
      self->send(parent, fib_answer{self->state.first + x.value});
      alive->died();
      self->quit();
    },
  };
}

std::int64_t fib_peak_alive(size_t workers, std::uint32_t n, std::uint64_t& value) {
  alive_counter alive;
  actor_system sys{actor_system_config{}.set_workers(workers)};
  scoped_actor self{sys};
  self->send(sys.spawn(fib_actor, self.as_actor(), &alive), fib_ask{n});
  value = 0;
  CHECK(self->receive_for(60s, [&](fib_answer a) { value = a.value; }));
  return alive.peak.load();
}

// -- spawning from init --------------------------------------------------------

struct chain_done {
  std::uint64_t links;
};

void chain_link(event_based_actor* self, std::uint64_t left, std::uint64_t total, actor done_to) {
  // Spawns the next link from init: each spawn runs inside the previous one
  // unless the runtime leaves deep inits to a worker.
  if (left > 0)
    self->spawn(chain_link, left - 1, total, done_to);
  else
    self->send(done_to, chain_done{total});
}

struct where {};
struct init_thread {
  std::thread::id id;
  int set_in_init;
};

struct init_state {
  std::thread::id init_id;
  int value = 0;
};

behavior records_init_thread(stateful_actor<init_state>* self) {
  self->state.init_id = std::this_thread::get_id();
  self->state.value = 42;
  return {
    [=](where) {
      return init_thread{self->state.init_id, self->state.value++};
    },
  };
}

// -- a message chain -------------------------------------------------------------

struct hop {
  std::uint64_t left;
};

behavior bouncer(event_based_actor* self, actor done_to) {
  return {
    [=](hop h) {
      if (h.left == 0)
        self->send(done_to, chain_done{0});
      else
        self->send(actor{self->current_sender()}, hop{h.left - 1});
    },
  };
}

// -- fairness -----------------------------------------------------------------

struct flood_tick {};
struct probe {};
struct probed {
  std::uint64_t spawned_before;
};

struct flood_budget {
  std::atomic<std::uint64_t> spawned{0};
  std::uint64_t limit;
};

// Each node wakes two new nodes until the budget is spent: an endless supply
// of newest work for a worker that runs its newest work first.
behavior flood_node(event_based_actor* self, flood_budget* budget) {
  return {
    [=](flood_tick) {
      if (budget->spawned.fetch_add(2, std::memory_order_relaxed) < budget->limit)
        for (int i = 0; i < 2; ++i)
          self->send(self->spawn(flood_node, budget), flood_tick{});
      self->quit();
    },
  };
}

} // namespace

TEST_CASE("an actor queued behind a worker's stream of new work still runs soon") {
  // Before the system: the flood runs on until the system's end, and its
  // nodes count in it.
  flood_budget budget;
  budget.limit = 400'000;
  actor_system sys{actor_system_config{}.set_workers(1)};
  scoped_actor self{sys};
  auto victim = sys.spawn([&budget](event_based_actor*) -> behavior {
    return {[&budget](probe) { return probed{budget.spawned.load(std::memory_order_relaxed)}; }};
  });
  self->send(sys.spawn(flood_node, &budget), flood_tick{});
  // The flood runs on the only worker; the probe goes to the back of its queue.
  REQUIRE(test_util::eventually([&] { return budget.spawned.load() >= 1'000; }, 30s));
  std::uint64_t seen = 0;
  self->request(victim, 60s, probe{})
    .receive([&](probed p) { seen = p.spawned_before; },
             [](const error& e) { FAIL(to_string(e)); });
  CHECK(seen < budget.limit);
  MESSAGE("the probe ran after " << seen << " of " << budget.limit << " flood spawns");
}

TEST_CASE("a message chain signals a parked worker at most once per park") {
  // Two actors bounce a message: one worker runs the chain, the other has
  // nothing to do and parks. Each hop wakes the chain's next actor on the
  // busy worker; signalling the parked one on every hop (while it is still
  // waking up from the previous signal) is a mutex and a futex call wasted.
  constexpr std::uint64_t hops = 200'000;
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto before = sys.stats();
  auto a = sys.spawn(bouncer, self.as_actor());
  // b starts the chain from its init: a answers b, b answers a, and so on.
  sys.spawn(
    [](event_based_actor* b, actor partner, actor done_to) -> behavior {
      b->send(partner, hop{hops});
      return bouncer(b, done_to);
    },
    a, self.as_actor());
  CHECK(self->receive_for(60s, [](chain_done) {}));
  auto after = sys.stats();
  auto wakeups = after.wakeups - before.wakeups;
  auto parks = after.parks - before.parks;
  // A park allows one signal, and a race at its end one more.
  CHECK(wakeups <= 2 * parks + 10);
  MESSAGE(wakeups << " wake-ups and " << parks << " parks in " << hops << " hops");
}

TEST_CASE("a recursive spawn is walked depth first: few actors are alive at once") {
  // fib(20): 21,891 actors. Walked breadth first (the run queue holding the
  // frontier), thousands live at once; depth first, about two per level.
  std::uint64_t value = 0;
  auto peak = fib_peak_alive(1, 20, value);
  CHECK(value == 6765);
  CHECK(peak <= 500);
  MESSAGE("one worker: at most " << peak << " of 21,891 actors alive at once");
}

TEST_CASE("a recursive spawn on two workers computes the same result with few actors alive") {
  std::uint64_t value = 0;
  auto peak = fib_peak_alive(2, 20, value);
  CHECK(value == 6765);
  // Each worker walks its part depth first; a thief takes the oldest work.
  CHECK(peak <= 500);
}

TEST_CASE("a chain of 100,000 actors that each spawn the next from init does not overflow "
          "the stack") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  constexpr std::uint64_t links = 100'000;
  sys.spawn(chain_link, links, links, self.as_actor());
  std::uint64_t got = 0;
  CHECK(self->receive_for(120s, [&](chain_done d) { got = d.links; }));
  CHECK(got == links);
}

TEST_CASE("an init runs in the spawning thread when spawn is not nested in other inits") {
  actor_system sys{actor_system_config{}.set_workers(1)};
  scoped_actor self{sys};
  auto a = sys.spawn(records_init_thread);
  init_thread got{};
  self->request(a, 10s, where{})
    .receive([&](init_thread t) { got = t; }, [](const error& e) { FAIL(to_string(e)); });
  CHECK(got.id == std::this_thread::get_id());
  CHECK(got.set_in_init == 42);
}

TEST_CASE("with max_inline_init_depth 0 every init runs on a worker before the first message") {
  actor_system sys{actor_system_config{}.set_workers(1).set_max_inline_init_depth(0)};
  scoped_actor self{sys};
  auto a = sys.spawn(records_init_thread);
  // Sent at once: the init may not have run yet; the messages wait for it.
  std::vector<init_thread> got;
  for (int i = 0; i < 3; ++i)
    self->request(a, 10s, where{})
      .receive([&](init_thread t) { got.push_back(t); },
               [](const error& e) { FAIL(to_string(e)); });
  REQUIRE(got.size() == 3);
  CHECK(got[0].id != std::this_thread::get_id());
  CHECK(got[0].set_in_init == 42);
  CHECK(got[1].set_in_init == 43);
  CHECK(got[2].set_in_init == 44);
}

TEST_CASE("an init left to a worker that ends the actor tells its monitor") {
  actor_system sys{actor_system_config{}.set_workers(1).set_max_inline_init_depth(0)};
  scoped_actor self{sys};
  auto a = self->spawn<monitored>([](event_based_actor*) -> behavior {
    throw std::runtime_error("init failed on a worker");
  });
  error reason;
  CHECK(self->receive_for(10s, [&](down_msg& d) { reason = d.reason; }));
  CHECK(reason == exit_reason::unhandled_exception);
}
