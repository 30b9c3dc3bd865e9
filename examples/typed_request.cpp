// typed_request: a typed interface, a stateful typed actor, requests from
// an actor and from the main thread, and every kind of reply: a value, an
// error from the handler, a timeout and a dead receiver.
#include <ringactor/all.hpp>

#include <fmt/format.h>

using namespace ringactor;
using namespace std::chrono_literals;

struct add {
  int a, b;
};
struct divide {
  int a, b;
};
struct total {};

// The interface: which messages the actor takes and what it answers.
using calculator = typed_actor<result<int>(add), result<int>(divide), result<int>(total)>;

struct calculator_state {
  int total = 0;
};

calculator::behavior_type calculator_impl(calculator::stateful_pointer<calculator_state> self) {
  return {
    [self](add m) {
      self->state.total += m.a + m.b;
      return m.a + m.b;
    },
    [](divide m) -> result<int> {
      if (m.b == 0)
        return error{sec::invalid_argument, "division by zero"};
      return m.a / m.b;
    },
    [self](total) { return self->state.total; },
  };
}

int main() {
  actor_system sys{actor_system_config{}.set_workers(2)};
  calculator calc = sys.spawn(calculator_impl);
  scoped_actor self{sys};
  auto show = [](std::string_view what) {
    return [what](int x) { fmt::print("{} = {}\n", what, x); };
  };
  auto fail = [](std::string_view what) {
    return [what](const error& e) { fmt::print("{} failed: {}\n", what, e); };
  };
  self->request(calc, 1s, add{1, 2}).receive(show("1 + 2"), fail("1 + 2"));
  self->request(calc, 1s, add{40, 2}).receive(show("40 + 2"), fail("40 + 2"));
  self->request(calc, 1s, divide{7, 0}).receive(show("7 / 0"), fail("7 / 0"));
  self->request(calc, 1s, total{}).receive(show("total"), fail("total"));
  // self->send(calc, std::string{"x"}); // does not compile: not in the interface
  // Ask it to stop, and wait until it is gone: a request it had still
  // queued would get its exit reason (user_shutdown); one to an actor that is
  // gone gets dead_receiver.
  self->monitor(calc);
  self->send_exit(calc, exit_reason::user_shutdown);
  self->receive([](down_msg& d) { fmt::print("calculator down: {}\n", d.reason); });
  self->request(calc, 1s, total{}).receive(show("total after exit"), fail("total after exit"));
}
