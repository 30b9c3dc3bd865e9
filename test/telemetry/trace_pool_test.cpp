// Trace context through worker pools: a request to a pool reaches its
// worker within the requester's trace, also when it waited in the pool's
// queue or was re-dispatched after its worker died.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>

#include <ringactor/all.hpp>
#include <ringactor/supervision/all.hpp>

#include "test_util.hpp"

using namespace ringactor;
using namespace ringactor::supervision;
using namespace std::chrono_literals;
using test_util::eventually;

namespace trace_pool_test {

struct where {};      // answered with the worker's trace context
struct crash_once {}; // the first one kills its worker; later ones answer like `where`

using traced_worker_if = typed_actor<result<trace_context>(where),
                                     result<trace_context>(crash_once)>;

traced_worker_if::behavior_type worker(traced_worker_if::pointer self,
                                       std::shared_ptr<std::atomic<bool>> crashed) {
  return {
    [self](where) { return self->current_trace(); },
    [self, crashed](crash_once) -> trace_context {
      if (!crashed->exchange(true))
        throw std::runtime_error("the first crash_once kills its worker");
      return self->current_trace();
    },
  };
}

bool pool_same_trace(const trace_context& x, const trace_context& y) {
  return x.valid() && x.trace_id_high() == y.trace_id_high()
         && x.trace_id_low() == y.trace_id_low();
}

} // namespace trace_pool_test

using namespace trace_pool_test;

TEST_SUITE_BEGIN("telemetry");

TEST_CASE("a request to a pool reaches a worker within the requester's trace") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto crashed = std::make_shared<std::atomic<bool>>(true);
  traced_worker_if p = sys.spawn(pool<traced_worker_if>{
    .size = 2, .factory = [crashed](actor_system& s) { return s.spawn(worker, crashed); }});
  scoped_actor self{sys};
  for (int i = 0; i < 4; ++i) {
    auto root = trace_context::make_root();
    trace_scope scope{root};
    auto seen = self->request(p, 5s, where{}).get();
    REQUIRE(seen);
    CHECK(pool_same_trace(*seen, root));
    CHECK(seen->span_id() != root.span_id());
  }
  // Untraced in, untraced out.
  auto seen = self->request(p, 5s, where{}).get();
  REQUIRE(seen);
  CHECK_FALSE(seen->valid());
}

TEST_CASE("a request re-dispatched after its worker died keeps the requester's trace") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto crashed = std::make_shared<std::atomic<bool>>(false);
  traced_worker_if p = sys.spawn(pool<traced_worker_if>{
    .size = 2,
    .factory = [crashed](actor_system& s) { return s.spawn(worker, crashed); },
    .idempotent = true});
  scoped_actor self{sys};
  auto root = trace_context::make_root();
  trace_scope scope{root};
  auto seen = self->request(p, 5s, crash_once{}).get();
  REQUIRE(seen);
  CHECK(crashed->load());
  CHECK(pool_same_trace(*seen, root));
}

TEST_CASE("a request queued while no worker was live reaches the later worker within its trace") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto crashed = std::make_shared<std::atomic<bool>>(true);
  traced_worker_if p = sys.spawn(pool<traced_worker_if>{
    .size = 0,
    .factory = [crashed](actor_system& s) { return s.spawn(worker, crashed); },
    .queue_timeout = 10s});
  scoped_actor self{sys};
  auto root = trace_context::make_root();
  std::optional<decltype(self->request(p, 5s, where{}))> h;
  {
    trace_scope scope{root};
    h.emplace(self->request(p, 5s, where{}));
  }
  REQUIRE(eventually([&] {
    auto st = self->request(actor_cast<actor>(p), 5s, get_pool_stats{}).get<pool_stats>();
    return st && st->queued == 1;
  }));
  // The queued job runs while the pool handles the resize, which comes from
  // another trace: the worker still sees the request's.
  auto other = trace_context::make_root();
  {
    trace_scope scope{other};
    REQUIRE(self->request(actor_cast<actor>(p), 5s, pool_resize{1}).get<unit_t>());
  }
  auto seen = h->get();
  REQUIRE(seen);
  CHECK(pool_same_trace(*seen, root));
  CHECK_FALSE(pool_same_trace(*seen, other));
}
