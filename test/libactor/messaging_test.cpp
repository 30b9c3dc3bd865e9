#include <doctest/doctest.h>

#include <atomic>
#include <future>
#include <latch>
#include <thread>
#include <vector>

#include <ringactor/all.hpp>

#include "test_util.hpp"

using namespace ringactor;
using namespace std::chrono_literals;
using test_util::eventually;

namespace {

struct ping {
  int value;
};
struct pong {
  int value;
};
struct get_count {};
struct seq_msg {
  int sender;
  int seq;
};

struct counter_state {
  int count = 0;
};

behavior counter_impl(stateful_actor<counter_state>* self) {
  return {
    [self](ping) { ++self->state.count; },
    [self](get_count) { return self->state.count; },
  };
}

// An aggregate whose first member a pointer converts to: C++20 builds it
// from parentheses too, so the actor must not pass itself to it.
struct gate_state {
  bool open = false;
  int hits = 0;
};

// A state that asks for its actor, by a constructor.
struct self_aware_state {
  explicit self_aware_state(stateful_actor<self_aware_state>* s) : self(s) {}
  stateful_actor<self_aware_state>* self;
};

class echo_actor : public event_based_actor {
public:
  echo_actor(actor_system& sys, int offset) : event_based_actor(sys), offset_(offset) {}
  behavior make_behavior() override {
    return {[this](ping p) { return pong{p.value + offset_}; }};
  }

private:
  int offset_;
};

} // namespace

TEST_SUITE_BEGIN("libactor");

TEST_CASE("handlers are selected by message type") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto a = sys.spawn([]() -> behavior {
    return {
      [](int x) { return x + 1; },
      [](const std::string& s) { return s + "!"; },
      [](ping p) { return pong{p.value * 10}; },
    };
  });
  scoped_actor self{sys};
  CHECK_EQ(self->request(a, 1s, 1).get<int>().value(), 2);
  auto s = self->request(a, 1s, std::string{"hi"});
  std::string got;
  s.receive([&](const std::string& x) { got = x; }, [](const error& e) { FAIL(to_string(e)); });
  CHECK_EQ(got, "hi!");
  int p = 0;
  self->request(a, 1s, ping{4})
    .receive([&](pong x) { p = x.value; }, [](const error& e) { FAIL(to_string(e)); });
  CHECK_EQ(p, 40);
}

TEST_CASE("a stateful actor keeps its state between messages") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto c = sys.spawn(counter_impl);
  scoped_actor self{sys};
  for (int i = 0; i < 5; ++i)
    self->send(c, ping{i});
  int count = -1;
  self->request(c, 1s, get_count{})
    .receive([&](int n) { count = n; }, [](const error& e) { FAIL(to_string(e)); });
  CHECK_EQ(count, 5);
}

TEST_CASE("an aggregate state starts value-initialized, and a state with a constructor taking "
          "the actor gets it") {
  actor_system sys{actor_system_config{}.set_workers(1)};
  scoped_actor self{sys};
  auto gate = sys.spawn([](stateful_actor<gate_state>* s) -> behavior {
    return {[s](get_count) { return s->state.open ? 1 : 0; }};
  });
  CHECK_EQ(self->request(gate, 1s, get_count{}).get<int>().value(), 0);
  auto aware = sys.spawn([](stateful_actor<self_aware_state>* s) -> behavior {
    return {[s](get_count) { return s->state.self == s ? 1 : 0; }};
  });
  CHECK_EQ(self->request(aware, 1s, get_count{}).get<int>().value(), 1);
}

TEST_CASE("a class-based actor gets constructor arguments") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto e = sys.spawn<echo_actor>(100);
  scoped_actor self{sys};
  int got = 0;
  self->request(e, 1s, ping{1})
    .receive([&](pong p) { got = p.value; }, [](const error& err) { FAIL(to_string(err)); });
  CHECK_EQ(got, 101);
}

TEST_CASE("a function-based actor gets spawn arguments after self") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto a = sys.spawn(
    [](event_based_actor*, int base, std::string suffix) -> behavior {
      return {[=](int x) { return std::to_string(base + x) + suffix; }};
    },
    40, std::string{"!"});
  scoped_actor self{sys};
  std::string got;
  self->request(a, 1s, 2).receive([&](const std::string& s) { got = s; },
                                  [](const error& e) { FAIL(to_string(e)); });
  CHECK_EQ(got, "42!");
}

TEST_CASE("become replaces the behavior and unbecome restores a kept one") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto a = sys.spawn([](event_based_actor* self) -> behavior {
    return {
      [self](int x) -> int {
        if (x == 0)
          self->become(keep_behavior, behavior{
                                        [self](int y) -> int {
                                          if (y == 0)
                                            self->unbecome();
                                          return -y;
                                        },
                                      });
        return x;
      },
    };
  });
  scoped_actor self{sys};
  auto ask = [&](int x) { return self->request(a, 1s, x).get<int>(); };
  CHECK_EQ(ask(5).value(), 5);
  CHECK_EQ(ask(0).value(), 0);  // switches
  CHECK_EQ(ask(5).value(), -5); // new behavior
  CHECK_EQ(ask(0).value(), 0);  // switches back
  CHECK_EQ(ask(5).value(), 5);
}

TEST_CASE("quit ends an actor with the given reason") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto a = sys.spawn([](event_based_actor* self) -> behavior {
    return {[self](int) { self->quit(exit_reason::user_shutdown); }};
  });
  scoped_actor self{sys};
  self->monitor(a);
  self->send(a, 1);
  error reason;
  CHECK(self->receive_for(5s, [&](down_msg& d) { reason = d.reason; }));
  CHECK_EQ(reason, exit_reason::user_shutdown);
}

TEST_CASE("messages from one sender arrive in send order") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  constexpr int senders = 4;
  constexpr int per_sender = 20000;
  std::atomic<int> violations{0};
  std::atomic<int> received{0};
  auto sink = sys.spawn([&]() -> behavior {
    auto last = std::make_shared<std::vector<int>>(senders, -1);
    return {[&, last](seq_msg m) {
      if (m.seq != (*last)[m.sender] + 1)
        ++violations;
      (*last)[m.sender] = m.seq;
      ++received;
    }};
  });
  std::vector<std::thread> threads;
  for (int s = 0; s < senders; ++s)
    threads.emplace_back([&, s] {
      scoped_actor self{sys};
      for (int i = 0; i < per_sender; ++i)
        self->send(sink, seq_msg{s, i});
    });
  for (auto& t : threads)
    t.join();
  CHECK(eventually([&] { return received.load() == senders * per_sender; }));
  CHECK_EQ(violations.load(), 0);
}

TEST_CASE("system messages overtake normal ones") {
  test_util::gate gate; // outlives sys: handlers may still be leaving wait()
  actor_system sys{actor_system_config{}.set_workers(2)};
  std::atomic<int> handled{0};
  auto a = sys.spawn([&]() -> behavior {
    return {[&](int x) {
      if (x == 0) {
        gate.mark_entered();
        gate.wait();
      }
      ++handled;
    }};
  });
  scoped_actor self{sys};
  self->monitor(a);
  self->send(a, 0);
  REQUIRE(gate.wait_entered());
  for (int i = 1; i <= 100; ++i)
    self->send(a, i);
  self->send_exit(a, exit_reason::kill);
  gate.open();
  error reason;
  CHECK(self->receive_for(5s, [&](down_msg& d) { reason = d.reason; }));
  CHECK_EQ(reason, exit_reason::kill);
  // Only the message in progress ran; the kill overtook the 100 queued ones.
  CHECK_EQ(handled.load(), 1);
}

TEST_CASE("actors spawn actors") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto parent = sys.spawn([](event_based_actor* self) -> behavior {
    return {[self](int n) -> result<int> {
      auto rp = self->make_response_promise<int>();
      auto sum = std::make_shared<int>(0);
      auto left = std::make_shared<int>(n);
      for (int i = 0; i < n; ++i) {
        auto child = self->spawn([]() -> behavior { return {[](int x) { return x * x; }}; });
        self->request(child, 1s, i).then([=](int sq) mutable {
          *sum += sq;
          if (--*left == 0)
            rp.deliver(*sum);
        });
      }
      return rp;
    }};
  });
  scoped_actor self{sys};
  auto r = self->request(parent, 5s, 10).get<int>();
  REQUIRE(r.has_value());
  CHECK_EQ(*r, 285);
}

TEST_CASE("many threads spawn and message actors at once") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  constexpr int threads = 8;
  constexpr int per_thread = 500;
  std::atomic<int> answered{0};
  std::latch start{threads};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      start.arrive_and_wait();
      scoped_actor self{sys};
      for (int i = 0; i < per_thread; ++i) {
        auto a = sys.spawn([]() -> behavior { return {[](int x) { return x + 1; }}; });
        auto r = self->request(a, 5s, i).get<int>();
        if (r.has_value() && *r == i + 1)
          ++answered;
      }
    });
  for (auto& t : pool)
    t.join();
  CHECK_EQ(answered.load(), threads * per_thread);
  CHECK_EQ(sys.stats().actors_spawned, static_cast<uint64_t>(threads * per_thread));
  CHECK(eventually([&] { return sys.stats().actors_alive == 0; }));
}

TEST_CASE("a delayed message arrives after its delay") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto start = std::chrono::steady_clock::now();
  self->delayed_send(self, 50ms, ping{7});
  int got = 0;
  CHECK(self->receive_for(5s, [&](ping p) { got = p.value; }));
  CHECK_EQ(got, 7);
  CHECK_GE(std::chrono::steady_clock::now() - start, 50ms);
}

TEST_CASE("an actor replies to an asynchronous message with a message, as in CAF") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto e = sys.spawn<echo_actor>(1);
  scoped_actor self{sys};
  self->send(e, ping{1});
  int got = 0;
  CHECK(self->receive_for(5s, [&](pong p) { got = p.value; }));
  CHECK_EQ(got, 2);
}

TEST_CASE("an unexpected asynchronous message is logged, not silently dropped") {
  test_util::log_capture capture;
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto a = sys.spawn([]() -> behavior { return {[](int x) { return x; }}; });
  scoped_actor self{sys};
  self->send(a, ping{1});
  CHECK(eventually([&] { return capture.contains("has no handler for a message of type"); }));
}

TEST_SUITE_END();

TEST_SUITE_BEGIN("libactor");

TEST_CASE("a handler may replace its own behavior and keep using its captures") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto a = sys.spawn([](event_based_actor* self) -> behavior {
    auto label = std::make_shared<std::string>("first");
    return {[self, label](int x) -> std::string {
      self->become(behavior{[](int) { return std::string{"second"}; }});
      // The running lambda (and `label`) must still be alive here.
      return *label + std::to_string(x);
    }};
  });
  scoped_actor self{sys};
  CHECK_EQ(self->request(a, 1s, 1).get<std::string>().value(), "first1");
  CHECK_EQ(self->request(a, 1s, 2).get<std::string>().value(), "second");
}

TEST_SUITE_END();

TEST_CASE("a timed receive returns at its deadline after a send raced an earlier timeout") {
  // A send that lands just as a timed receive gives up wakes a reader that
  // is no longer waiting. That late wake-up must not make a later receive
  // spin past its deadline (it used to spin until the next message came).
  using clock = std::chrono::steady_clock;
  actor_system sys{actor_system_config{}.set_workers(1).set_idle_spin(0us)};
  scoped_actor self{sys};
  auto me = self.as_actor();
  std::atomic<bool> stop_sending{false};
  // Each round the receiver publishes its deadline; the sender sends at a
  // random offset after it, around the moment the receive times out.
  std::atomic<uint64_t> round{0};
  std::atomic<clock::rep> deadline{0};
  std::thread sender{[&] {
    scoped_actor other{sys};
    uint64_t rng = 88172645463325252ull;
    uint64_t seen = 0;
    while (!stop_sending.load()) {
      auto r = round.load();
      if (r == seen) {
        std::this_thread::yield();
        continue;
      }
      seen = r;
      rng ^= rng << 13;
      rng ^= rng >> 7;
      rng ^= rng << 17;
      auto at = clock::time_point{clock::duration{deadline.load()}}
                + std::chrono::nanoseconds(rng % 150'000);
      while (clock::now() < at && !stop_sending.load()) {
      }
      other->send(me, 1);
    }
  }};
  auto hammer_until = clock::now() + 1s;
  while (clock::now() < hammer_until) {
    deadline = (clock::now() + 20us).time_since_epoch().count();
    ++round;
    self->receive_for(20us, [](int) {});
  }
  stop_sending = true;
  sender.join();
  // No one sends now: draining ends, and a timed receive returns empty at its
  // deadline.
  std::atomic<bool> unstick{false};
  auto result = std::async(std::launch::async, [&] {
    while (!unstick.load() && self->receive_for(0ms, [](int) {})) {
    }
    return !self->receive_for(20ms, [](int) {});
  });
  auto in_time = result.wait_for(5s) == std::future_status::ready;
  if (!in_time) {
    // A spinning receive ends with the next message.
    unstick = true;
    scoped_actor other{sys};
    while (result.wait_for(1ms) != std::future_status::ready)
      other->send(me, 1);
  }
  CHECK(in_time);
  CHECK(result.get());
}
