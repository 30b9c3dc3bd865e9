// test/service: a kernel publishes to a topic with ctx.send_host (CPU
// backend), and an in-process http_server streams it as Server-Sent Events.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include <ringactor/all.hpp>
#include <ringactor/gpu/kernel_actor.hpp>
#include <ringactor/topics.hpp>
#include <ringactor/type_registry.hpp>

#include "ringactor/service/http_server.hpp"
#include "ringactor/service/topic_routes.hpp"
#include "sse_client.hpp"

using namespace ringactor;
using namespace std::chrono_literals;

namespace sse_kernel_test {

/// Asks the kernel to send `value` (doubled) to the host actor `to`.
struct report {
  std::uint64_t to;
  std::int32_t value;
};

/// What the kernel sends: trivially copyable, with a stable name and a
/// JSON form, so that a topic publishes it.
struct progress {
  std::int32_t value;
};

template <class Inspector>
bool inspect(Inspector& f, progress& x) {
  return f.object(x).fields(f.field("value", x.value));
}
RINGACTOR_TYPE(progress, "sse_test.progress")

struct reporter {
  using inputs = message_list<report>;
  using outputs = message_list<progress>;

  template <class Ctx>
  RINGACTOR_DEVICE void handle(Ctx& ctx, const report& m) const {
    ctx.send_host(m.to, progress{m.value * 2});
  }
};

using reporter_if = typed_actor<result<void>(report)>;

} // namespace sse_kernel_test

TEST_SUITE_BEGIN("service");

TEST_CASE("a kernel's send_host to a topic's actor is streamed as an event of its registered "
          "type") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto& ts = topics::of(sys);
  auto t = ts.add("progress", {.buffer = 4, .subscriber_buffer = 4});
  service::http_server server{{.address = "127.0.0.1", .port = 0}};
  service::add_topic_routes(server, ts);
  REQUIRE(server.start());
  service_test::sse_client c{server.port(), "/topics/progress/events"};
  REQUIRE(c.head().starts_with("HTTP/1.1 200"));

  kernel_config cfg;
  cfg.backend = kernel_backend::cpu;
  auto k = spawn_kernel<sse_kernel_test::reporter_if>(sys, sse_kernel_test::reporter{}, cfg);
  scoped_actor self{sys};
  auto topic_id = ts.actor_of("progress").id();
  for (std::int32_t v = 1; v <= 3; ++v)
    REQUIRE(self->request(k, 5s, sse_kernel_test::report{topic_id, v}).get());
  for (std::int32_t v = 1; v <= 3; ++v) {
    auto e = c.next_event(5s);
    REQUIRE(e);
    CHECK(e->id == std::to_string(v));
    CHECK(e->type == "sse_test.progress");
    CHECK(e->data == "{\"value\":" + std::to_string(v * 2) + "}");
  }
  CHECK(t->stats().published == 3);
  server.stop();
  CHECK(t->stats().subscribers == 0);
}
