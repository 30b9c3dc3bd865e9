// Trace context and kernel actors (CPU backend): the kernel's slots carry no
// trace, but the proxy answers through a response promise that keeps the
// request's, so the requester sees its reply within the request's trace.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <vector>

#include <ringactor/all.hpp>
#include <ringactor/gpu/kernel_actor.hpp>
#include <ringactor/gpu/kernels/adder.hpp>

using namespace ringactor;
using namespace std::chrono_literals;

namespace trace_kernel_test {

using adder_actor = typed_actor<result<std::int32_t>(kernels::add),
                                result<std::int64_t>(kernels::accumulate)>;

struct go {};

} // namespace trace_kernel_test

using namespace trace_kernel_test;

TEST_SUITE_BEGIN("telemetry");

TEST_CASE("a kernel actor's reply reaches the requester within the request's trace") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto kernel = spawn_kernel<adder_actor>(sys, kernels::adder{}, {.backend = kernel_backend::cpu});
  // Requests an addition and answers with (its own trace, the reply's).
  auto client = sys.spawn([kernel](event_based_actor* self) -> behavior {
    return {[self, kernel](go) -> result<std::vector<trace_context>> {
      auto rp = self->make_response_promise<std::vector<trace_context>>();
      auto mine = self->current_trace();
      self->request(kernel, 10s, kernels::add{2, 3})
        .then([self, rp, mine](std::int32_t sum) mutable {
          CHECK(sum == 5);
          rp.deliver(std::vector<trace_context>{mine, self->current_trace()});
        });
      return rp;
    }};
  });
  scoped_actor self{sys};
  auto root = trace_context::make_root();
  trace_scope scope{root};
  auto seen = self->request(client, 10s, go{}).get<std::vector<trace_context>>();
  REQUIRE(seen);
  REQUIRE(seen->size() == 2);
  auto mine = (*seen)[0];
  auto reply = (*seen)[1];
  CHECK(mine.valid());
  CHECK(reply.valid());
  CHECK(reply.trace_id_high() == root.trace_id_high());
  CHECK(reply.trace_id_low() == root.trace_id_low());
  CHECK(reply.span_id() != mine.span_id()); // the request to the kernel was a child span
}
