// hello: the smallest ringactor program. An actor answers a request from
// the main thread.
#include <ringactor/all.hpp>

#include <future>

#include <fmt/format.h>

using namespace ringactor;
using namespace std::chrono_literals;

int main() {
  actor_system sys{actor_system_config{}.set_workers(2)};
  // A function-based actor: its behavior maps message types to handlers.
  auto greeter = sys.spawn([]() -> behavior {
    return {[](const std::string& who) { return "hello, " + who; }};
  });
  // A scoped actor gives this thread an actor identity, so it can send
  // requests and block on their responses.
  scoped_actor self{sys};
  self->request(greeter, 1s, std::string{"world"})
    .receive([](const std::string& greeting) { fmt::print("{}\n", greeting); },
             [](const error& err) { fmt::print("failed: {}\n", err); });
  // Or with no thread blocked and no actor: the answer goes to a callback,
  // on the thread that delivers it (how a network front asks its actors).
  std::promise<void> answered;
  callback_request(
    sys, greeter, 1s, std::string{"callbacks"},
    [&](const std::string& greeting) {
      fmt::print("{}\n", greeting);
      answered.set_value();
    },
    [&](const error& err) {
      fmt::print("failed: {}\n", err);
      answered.set_value();
    });
  answered.get_future().wait();
}
