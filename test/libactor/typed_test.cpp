#include <doctest/doctest.h>

#include <ringactor/all.hpp>

using namespace ringactor;
using namespace std::chrono_literals;

namespace {

struct add {
  int a, b;
};
struct reset {};
struct total {};

using adder = typed_actor<result<int>(add), result<void>(reset), result<int>(total)>;

struct adder_state {
  int sum = 0;
};

adder::behavior_type stateful_adder(adder::stateful_pointer<adder_state> self) {
  return {
    [self](add m) {
      self->state.sum += m.a + m.b;
      return m.a + m.b;
    },
    [self](reset) { self->state.sum = 0; },
    [self](total) { return self->state.sum; },
  };
}

class class_adder : public adder::base {
public:
  using adder::base::base;
  behavior_type make_behavior() override {
    return {
      [](add m) { return m.a + m.b; },
      [](reset) {},
      [](total) -> result<int> { return error{sec::invalid_argument}; },
    };
  }
};

using doubler = typed_actor<result<int>(int)>;

} // namespace

TEST_SUITE_BEGIN("libactor");

TEST_CASE("a typed actor answers with the type its interface declares") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  adder a = sys.spawn(stateful_adder);
  scoped_actor self{sys};
  int sum = 0;
  self->request(a, 1s, add{1, 2})
    .receive([&](int x) { sum = x; }, [](const error& e) { FAIL(to_string(e)); });
  CHECK_EQ(sum, 3);
  CHECK_EQ(self->request(a, 1s, add{4, 5}).get().value(), 9);
  CHECK_EQ(self->request(a, 1s, total{}).get().value(), 12);
  CHECK(self->request(a, 1s, reset{}).get().has_value());
  CHECK_EQ(self->request(a, 1s, total{}).get().value(), 0);
}

TEST_CASE("a class-based typed actor is spawned with its typed handle") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  adder a = sys.spawn<class_adder>();
  scoped_actor self{sys};
  CHECK_EQ(self->request(a, 1s, add{2, 2}).get().value(), 4);
  auto t = self->request(a, 1s, total{}).get();
  REQUIRE_FALSE(t.has_value());
  CHECK_EQ(t.error(), sec::invalid_argument);
}

TEST_CASE("typed actors talk to typed actors with then and typed promises") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  doubler d = sys.spawn([]() -> doubler::behavior_type { return {[](int x) { return 2 * x; }}; });
  doubler front = sys.spawn([d](doubler::pointer self) -> doubler::behavior_type {
    return {[self, d](int x) -> result<int> {
      auto rp = self->make_response_promise<int>();
      self->request(d, 1s, x).then([rp](int y) mutable { rp.deliver(y + 1); },
                                   [rp](const error& e) mutable { rp.deliver(e); });
      return rp;
    }};
  });
  scoped_actor self{sys};
  CHECK_EQ(self->request(front, 1s, 20).get().value(), 41);
}

TEST_CASE("a typed handle converts to an untyped one with actor_cast") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  doubler d = sys.spawn([]() -> doubler::behavior_type { return {[](int x) { return 2 * x; }}; });
  auto untyped = actor_cast<actor>(d);
  CHECK_EQ(untyped.id(), d.id());
  scoped_actor self{sys};
  CHECK_EQ(self->request(untyped, 1s, 4).get<int>().value(), 8);
}

TEST_SUITE_END();
