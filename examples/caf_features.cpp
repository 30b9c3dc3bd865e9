// The CAF features a CAF user reaches for first, one small scene each: the
// README's API tour quotes this program, and the examples suite runs it.
#include <ringactor/all.hpp>

#include <fmt/format.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

using namespace ringactor;
using namespace std::chrono_literals;

namespace {

using doubler = typed_actor<result<int>(int)>;

doubler::behavior_type doubler_impl(doubler::pointer) {
  return {[](int x) { return 2 * x; }};
}

struct boom {};

/// Scenes that printed their outcome: the last line says whether all did.
std::atomic<int> scenes{0};

template <class... Ts>
void scene(fmt::format_string<Ts...> what, Ts&&... xs) {
  ++scenes;
  fmt::print(what, std::forward<Ts>(xs)...);
}

} // namespace

int main() {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};

  // A named registry with a typed check: the wrong interface is an error.
  doubler d = sys.spawn(doubler_impl);
  sys.registry().put("doubler", d);
  if (auto found = sys.registry().get<doubler>("doubler"))
    self->request(*found, 1s, 21)
      .receive([](int x) { scene("registry: 2 * 21 = {}\n", x); }, [](const error&) {});
  auto wrong = sys.registry().get<typed_actor<result<void>(std::string)>>("doubler");
  scene("registry: wrong interface -> {}\n", wrong.error().code().message());

  // anon_send: from any thread, no sender; same compile-time interface check.
  anon_send(d, 1);

  // fan_out_request: one request to many, all replies (or the first).
  std::vector<doubler> workers{sys.spawn(doubler_impl), sys.spawn(doubler_impl), d};
  auto fan = sys.spawn([workers](event_based_actor* me) -> behavior {
    me->fan_out_request<select_all>(workers, 1s, 5).then([](std::vector<int> xs) {
      scene("fan_out select_all: {} replies, sum {}\n", xs.size(), xs[0] + xs[1] + xs[2]);
    });
    me->fan_out_request<select_any>(workers, 1s, 7).then([](int x) {
      scene("fan_out select_any: {}\n", x);
    });
    return {}; // empty: the actor stays alive while its requests are pending
  });
  self->monitor(fan);
  self->receive([](down_msg&) {}); // it quits once both fan-outs completed

  // Idle timeouts, spawn<monitored> and a handle to oneself.
  sys.spawn([](event_based_actor* me) -> behavior {
    auto child = me->spawn<monitored>([](event_based_actor* c) -> behavior {
      return {[](int) {}, after(20ms) >> [c] { c->quit(); }}; // quits when idle for 20 ms
    });
    me->set_down_handler([me](down_msg& m) {
      scene("spawn<monitored>: idle child down ({})\n",
            m.reason ? fmt::format("{}", m.reason) : std::string{"normal"});
      me->quit();
    });
    actor myself = actor_cast<actor>(me);
    anon_send(child, 1);
    return {[myself](int) { return myself.id(); }};
  });

  // A default handler, and an exception handler that answers instead of dying.
  auto tolerant = sys.spawn([](event_based_actor* me) -> behavior {
    me->set_default_handler(drop); // unmatched: unexpected_message, no log line
    me->set_exception_handler([](std::exception_ptr ep) -> error {
      try {
        std::rethrow_exception(ep);
      } catch (const std::exception& ex) {
        return error{sec::runtime_error, ex.what()};
      }
    });
    return {[](boom) -> int { throw std::runtime_error("bad input"); }, [](int x) { return x; }};
  });
  self->request(tolerant, 1s, boom{})
    .receive([](int) {}, [](const error& e) { scene("exception handler: {}\n", e); });
  self->request(tolerant, 1s, 3)
    .receive([](int x) { scene("still alive: {}\n", x); }, [](const error&) {});
  anon_send_exit(tolerant, exit_reason::user_shutdown);
  anon_send_exit(d, exit_reason::user_shutdown);
  for (auto& w : workers)
    anon_send_exit(w, exit_reason::user_shutdown);

  // Every spawned actor ends by itself or was asked to: wait for all of them.
  sys.await_all_actors_done();
  fmt::print("all actors done\n");

  // After shutdown, spawning is an error the caller sees.
  sys.shutdown();
  try {
    sys.spawn(doubler_impl);
  } catch (const system_shut_down& ex) {
    scene("spawn after shutdown: {}\n", ex.what());
  }
  fmt::print("caf_features: {} of 8 scenes ran\n", scenes.load());
  return scenes == 8 ? 0 : 1;
}
