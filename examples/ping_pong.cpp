// ping_pong: two event-based actors bounce a counter until it reaches a
// limit; the main thread waits for the end through a monitor.
#include <ringactor/all.hpp>

#include <chrono>
#include <cstdlib>

#include <fmt/format.h>

using namespace ringactor;
using namespace std::chrono_literals;

struct ping {
  int n;
};
struct pong {
  int n;
};

// Answers every ping with a pong carrying the same count. Returning a value
// for an asynchronous message sends it back to the sender (as CAF does).
behavior ponger(event_based_actor*) {
  return {[](ping p) { return pong{p.n}; }};
}

// Starts the exchange and quits after `rounds` round trips.
behavior pinger(event_based_actor* self, actor partner, int rounds) {
  self->send(partner, ping{1});
  return {[self, rounds](pong p) -> result<ping> {
    if (p.n == rounds) {
      self->quit();
      return delegated<ping>{};
    }
    return ping{p.n + 1};
  }};
}

int main(int argc, char** argv) {
  int rounds = argc > 1 ? std::atoi(argv[1]) : 100000;
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto pong_actor = sys.spawn(ponger);
  auto start = std::chrono::steady_clock::now();
  auto ping_actor = sys.spawn(pinger, pong_actor, rounds);
  self->monitor(ping_actor);
  self->receive([&](down_msg& d) {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now()
                                                                    - start);
    fmt::print("ping_pong: {} round trips in {} us ({:.0f} round trips/s), exit: {}\n", rounds,
               us.count(), rounds * 1e6 / static_cast<double>(us.count()),
               d.reason ? to_string(d.reason) : "normal");
  });
  auto st = sys.stats();
  fmt::print("ping_pong: messages processed: {}, steals: {}, parks: {}\n", st.messages_processed,
             st.steals, st.parks);
}
