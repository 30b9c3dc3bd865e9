// test/gpu_actors: a kernel (CPU backend) publishes to a topic of the
// system's (libactor's topics.hpp) with ctx.send_host, and an actor
// subscribed to the topic receives each event.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include <ringactor/all.hpp>
#include <ringactor/gpu/kernel_actor.hpp>
#include <ringactor/topics.hpp>
#include <ringactor/type_registry.hpp>

using namespace ringactor;
using namespace std::chrono_literals;

namespace topic_kernel_test {

/// Asks the kernel to send `value` (tripled) to the host actor `to`.
struct topic_report {
  std::uint64_t to;
  std::int32_t value;
};

/// What the kernel sends: trivially copyable, with a stable name and a JSON
/// form, so that a topic publishes it.
struct level {
  std::int32_t value;
};

template <class Inspector>
bool inspect(Inspector& f, level& x) {
  return f.object(x).fields(f.field("value", x.value));
}
RINGACTOR_TYPE(level, "topic_kernel_test.level")

struct topic_reporter {
  using inputs = message_list<topic_report>;
  using outputs = message_list<level>;

  template <class Ctx>
  RINGACTOR_DEVICE void handle(Ctx& ctx, const topic_report& m) const {
    ctx.send_host(m.to, level{m.value * 3});
  }
};

using reporter_if = typed_actor<result<void>(topic_report)>;

} // namespace topic_kernel_test

TEST_SUITE_BEGIN("gpu_actors");

TEST_CASE("a kernel's send_host to a topic's actor reaches an actor subscribed to the topic") {
  using namespace topic_kernel_test;
  actor_system sys{actor_system_config{}.set_workers(2)};
  // The topic of the message type, by its registered name.
  auto t = topics::of(sys).for_type<level>();
  scoped_actor self{sys};
  REQUIRE(topics::of(sys).subscribe(t->name(), self.as_actor()));
  kernel_config cfg;
  cfg.backend = kernel_backend::cpu;
  auto k = spawn_kernel<reporter_if>(sys, topic_reporter{}, cfg);
  auto topic_id = topics::of(sys).actor_of("topic_kernel_test.level").id();
  for (std::int32_t v = 1; v <= 3; ++v)
    REQUIRE(self->request(k, 5s, topic_report{topic_id, v}).get());
  for (std::int32_t v = 1; v <= 3; ++v)
    REQUIRE(self->receive_for(5s, [&](const topic_event& e) {
      CHECK(e.topic == "topic_kernel_test.level");
      CHECK(e.id == static_cast<std::uint64_t>(v));
      CHECK(e.type == "topic_kernel_test.level");
      CHECK(e.data == "{\"value\":" + std::to_string(v * 3) + "}");
    }));
  CHECK(t->stats().published == 3);
  CHECK(t->stats().refused == 0);
}

TEST_SUITE_END();
