// Trace context and kernel actors (CPU backend): a slot has room for the
// span id only (slot.hpp), which the kernel reads as ctx.trace_span_id(); the
// proxy answers through a response promise that keeps the whole context, so
// the requester sees its reply within the request's trace.
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

/// Plain message: the kernel keeps the span id it arrived with.
struct remember_span {};
/// Request: answered with the span id this request arrived with.
struct which_span {};
/// Request: answered with the span id remember_span kept.
struct recall_span {};

/// Answers with the span ids its messages carry.
struct span_probe {
  using inputs = message_list<remember_span, which_span, recall_span>;

  template <class Ctx>
  RINGACTOR_DEVICE void handle(Ctx& ctx, const remember_span&) {
    if (ctx.is_leader())
      kept = ctx.trace_span_id();
  }
  template <class Ctx>
  RINGACTOR_DEVICE std::uint64_t handle(Ctx& ctx, const which_span&) const {
    return ctx.trace_span_id();
  }
  template <class Ctx>
  RINGACTOR_DEVICE std::uint64_t handle(Ctx&, const recall_span&) const {
    return kept;
  }

  std::uint64_t kept = 0;
};

using span_probe_actor = typed_actor<result<void>(remember_span), result<std::uint64_t>(which_span),
                                     result<std::uint64_t>(recall_span)>;

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

TEST_CASE("a kernel reads the span id of the message it handles from the slot") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto kernel = spawn_kernel<span_probe_actor>(sys, span_probe{}, {.backend = kernel_backend::cpu});
  // Within a traced request: tells the kernel to remember the span of a
  // plain message sent from this handler (the handler's own span), then
  // answers with (that span, what the kernel kept).
  auto client = sys.spawn([kernel](event_based_actor* self) -> behavior {
    return {[self, kernel](go) -> result<std::vector<std::uint64_t>> {
      auto rp = self->make_response_promise<std::vector<std::uint64_t>>();
      auto mine = self->current_trace().span_id();
      self->send(kernel, remember_span{});
      self->request(kernel, 10s, recall_span{}).then([rp, mine](std::uint64_t kept) mutable {
        rp.deliver(std::vector<std::uint64_t>{mine, kept});
      });
      return rp;
    }};
  });
  scoped_actor self{sys};
  auto root = trace_context::make_root();
  trace_scope scope{root};
  auto seen = self->request(client, 10s, go{}).get<std::vector<std::uint64_t>>();
  REQUIRE(seen);
  REQUIRE(seen->size() == 2);
  CHECK((*seen)[0] != 0);
  CHECK((*seen)[0] != root.span_id()); // the request to the client was a child span
  CHECK((*seen)[1] == (*seen)[0]);
  // A request of its own is a new span of the same trace.
  auto direct = self->request(kernel, 10s, which_span{}).get<std::uint64_t>();
  REQUIRE(direct);
  CHECK(*direct != 0);
  CHECK(*direct != root.span_id());
  CHECK(*direct != (*seen)[0]);
}

TEST_CASE("an untraced message reaches a kernel with span id 0") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto kernel = spawn_kernel<span_probe_actor>(sys, span_probe{}, {.backend = kernel_backend::cpu});
  scoped_actor self{sys};
  {
    // A traced request first: the slot field is not left over from it.
    trace_scope scope{trace_context::make_root()};
    auto traced = self->request(kernel, 10s, which_span{}).get<std::uint64_t>();
    REQUIRE(traced);
    CHECK(*traced != 0);
  }
  auto untraced = self->request(kernel, 10s, which_span{}).get<std::uint64_t>();
  REQUIRE(untraced);
  CHECK(*untraced == 0);
}
