// callback_request: requests from outside any actor, answered by callback.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <ringactor/all.hpp>

#include "test_util.hpp"

using namespace ringactor;
using namespace std::chrono_literals;
using test_util::eventually;

namespace {

struct square {
  int value;
};
struct hold {
  int tag;
};
struct release_all {};
struct refuse {};
struct cb_ping {};
struct who_asked {};

using calc = typed_actor<result<int>(square), result<int>(hold), result<void>(release_all),
                         result<int>(refuse), result<void>(cb_ping)>;

/// Squares at once; holds `hold` requests until release_all (answering
/// each with its tag); refuses `refuse` with an error.
calc::behavior_type calculator(calc::pointer self) {
  auto held = std::make_shared<std::vector<std::pair<int, typed_response_promise<int>>>>();
  return {
    [](square s) -> result<int> { return s.value * s.value; },
    [self, held](hold h) -> result<int> {
      auto rp = self->make_response_promise<int>();
      held->emplace_back(h.tag, rp);
      return rp;
    },
    [held](release_all) {
      for (auto& [tag, rp] : *held)
        rp.deliver(tag);
      held->clear();
    },
    [](refuse) -> result<int> {
      return error{sec::invalid_argument, "refused"};
    },
    [](cb_ping) {},
  };
}

/// What one request's callbacks saw.
struct outcome {
  std::atomic<int> values{0};
  std::atomic<int> errors{0};
  std::atomic<int> last_value{0};
  std::mutex mtx;
  error last_error;
  std::thread::id thread;

  auto on_value() {
    return [this](int x) {
      last_value = x;
      ++values;
    };
  }
  auto on_error() {
    return [this](const error& err) {
      {
        std::lock_guard guard{mtx};
        last_error = err;
        thread = std::this_thread::get_id();
      }
      ++errors;
    };
  }
  error err() {
    std::lock_guard guard{mtx};
    return last_error;
  }
  int total() const { return values + errors; }
};

} // namespace

TEST_SUITE_BEGIN("libactor");

TEST_CASE("a callback request delivers the reply to its value callback once") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto c = sys.spawn(calculator);
  outcome o;
  auto ticket = callback_request(sys, c, 5s, square{7}, o.on_value(), o.on_error());
  REQUIRE(eventually([&] { return o.total() == 1; }));
  CHECK(o.values == 1);
  CHECK(o.last_value == 49);
  CHECK(ticket.done());
  // A completed ticket gives up nothing more.
  CHECK_FALSE(ticket.abandon(error{sec::request_timeout}));
  CHECK(o.total() == 1);
}

TEST_CASE("a callback request takes an empty reply and an error reply") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto c = sys.spawn(calculator);
  std::atomic<int> empties{0};
  callback_request(
    sys, c, 5s, cb_ping{}, [&] { ++empties; }, [](const error&) {});
  outcome refused;
  callback_request(sys, c, 5s, refuse{}, refused.on_value(), refused.on_error());
  REQUIRE(eventually([&] { return empties == 1 && refused.total() == 1; }));
  CHECK(refused.errors == 1);
  CHECK(refused.err() == sec::invalid_argument);
}

TEST_CASE("a callback request fails with request_timeout at its deadline and drops a late reply") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto c = sys.spawn(calculator);
  outcome o;
  auto ticket = callback_request(sys, c, 30ms, hold{5}, o.on_value(), o.on_error());
  REQUIRE(eventually([&] { return o.total() == 1; }));
  CHECK(o.errors == 1);
  CHECK(o.err() == sec::request_timeout);
  // The receiver answers now: nobody takes it.
  anon_send(c, release_all{});
  outcome after;
  callback_request(sys, c, 5s, square{2}, after.on_value(), after.on_error());
  REQUIRE(eventually([&] { return after.total() == 1; }));
  CHECK(o.values == 0);
  CHECK(o.total() == 1);
}

TEST_CASE("callback requests with mixed timeouts fail in the order of their deadlines") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto c = sys.spawn(calculator);
  std::mutex mtx;
  std::vector<int> order;
  auto record = [&](int tag) {
    return [&, tag](const error& err) {
      CHECK(err == sec::request_timeout);
      std::lock_guard guard{mtx};
      order.push_back(tag);
    };
  };
  // Sent latest deadline first: each insertion walks back from the tail.
  for (int ms : {90, 30, 60, 10})
    callback_request(
      sys, c, std::chrono::milliseconds{ms}, hold{ms}, [](int) {}, record(ms));
  REQUIRE(eventually([&] {
    std::lock_guard guard{mtx};
    return order.size() == 4;
  }));
  CHECK(order == std::vector<int>{10, 30, 60, 90});
  anon_send(c, release_all{});
}

TEST_CASE("a callback request completed by its reply never times out") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto c = sys.spawn(calculator);
  std::vector<std::unique_ptr<outcome>> outcomes;
  for (int i = 0; i < 200; ++i) {
    outcomes.push_back(std::make_unique<outcome>());
    callback_request(sys, c, 40ms, square{i}, outcomes.back()->on_value(),
                     outcomes.back()->on_error());
  }
  REQUIRE(eventually([&] {
    for (auto& o : outcomes)
      if (o->total() != 1)
        return false;
    return true;
  }));
  // Each left the deadline list when it completed (none waits for its
  // deadline), and none fires later.
  CHECK(sys.stats().callback_requests_waiting == 0);
  std::this_thread::sleep_for(80ms);
  for (int i = 0; i < 200; ++i) {
    CHECK(outcomes[i]->errors == 0);
    CHECK(outcomes[i]->values == 1);
    CHECK(outcomes[i]->last_value == i * i);
  }
}

TEST_CASE(
  "a callback request to an invalid handle fails with dead_receiver on the calling thread") {
  actor_system sys{actor_system_config{}.set_workers(1)};
  calc none;
  outcome o;
  auto ticket = callback_request(sys, none, 5s, square{3}, o.on_value(), o.on_error());
  REQUIRE(o.total() == 1); // at once
  CHECK(o.err() == sec::dead_receiver);
  CHECK(o.thread == std::this_thread::get_id());
  CHECK(ticket.done());
}

TEST_CASE("a value callback may take the responder; a promise delivered from another names it") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto c = sys.spawn(calculator);
  auto c_ptr = detail::actor_ptr_of(c);
  // A front that answers through a promise on behalf of `c`, as a pool
  // does for its worker.
  using front_if = typed_actor<result<int>(square)>;
  auto front = sys.spawn([c, c_ptr](front_if::pointer self) -> front_if::behavior_type {
    return {[self, c, c_ptr](square s) -> result<int> {
      auto rp = self->make_response_promise<int>();
      self->request(c, 5s, s).then([rp, c_ptr](int x) mutable {
        rp.deliver_from(strong_actor_ptr{c_ptr}, x);
      });
      return rp;
    }};
  });
  std::mutex mtx;
  std::vector<std::pair<int, abstract_actor*>> seen;
  auto record = [&](int x, const strong_actor_ptr& by) {
    std::lock_guard guard{mtx};
    seen.emplace_back(x, by.get());
  };
  callback_request(sys, c, 5s, square{3}, record, [](const error&) {});
  callback_request(sys, front, 5s, square{4}, record, [](const error&) {});
  REQUIRE(eventually([&] {
    std::lock_guard guard{mtx};
    return seen.size() == 2;
  }));
  std::sort(seen.begin(), seen.end());
  CHECK(seen[0] == std::pair<int, abstract_actor*>{9, c_ptr});
  CHECK(seen[1] == std::pair<int, abstract_actor*>{16, c_ptr}); // not the front
  // An empty reply's callback takes the responder alone.
  std::atomic<abstract_actor*> pinged{nullptr};
  callback_request(
    sys, c, 5s, cb_ping{}, [&](const strong_actor_ptr& by) { pinged = by.get(); },
    [](const error&) {});
  REQUIRE(eventually([&] { return pinged.load() != nullptr; }));
  CHECK(pinged.load() == c_ptr);
}

TEST_CASE("a callback request to an actor that exits gets its exit as the error") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto c = sys.spawn(calculator);
  outcome o;
  callback_request(sys, c, 5s, hold{1}, o.on_value(), o.on_error());
  anon_send_exit(c, exit_reason::kill);
  REQUIRE(eventually([&] { return o.total() == 1; }));
  CHECK(o.errors == 1);
}

TEST_CASE("abandoning a callback request answers it now and drops its reply") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto c = sys.spawn(calculator);
  outcome o;
  auto ticket = callback_request(sys, c, 5s, hold{9}, o.on_value(), o.on_error());
  CHECK_FALSE(ticket.done());
  CHECK(sys.stats().callback_requests_waiting == 1);
  CHECK(ticket.abandon(error{sec::runtime_error, "the caller left"}));
  CHECK(o.total() == 1); // on this thread, before abandon returned
  CHECK(o.err() == sec::runtime_error);
  CHECK(o.thread == std::this_thread::get_id());
  CHECK(sys.stats().callback_requests_waiting == 0);
  CHECK_FALSE(ticket.abandon(error{sec::request_timeout}));
  anon_send(c, release_all{});
  outcome after;
  callback_request(sys, c, 5s, square{3}, after.on_value(), after.on_error());
  REQUIRE(eventually([&] { return after.total() == 1; }));
  CHECK(o.values == 0);
}

TEST_CASE("a receiver sees a callback request's ticket requester as the sender") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto seen = std::make_shared<std::atomic<abstract_actor*>>(nullptr);
  auto recorder = sys.spawn([seen](event_based_actor* self) -> behavior {
    return {
      [self](square s) -> int { return s.value; },
      [self, seen](who_asked) { seen->store(self->current_sender().get()); },
    };
  });
  outcome o;
  auto ticket = callback_request(sys, recorder, 5s, square{4}, o.on_value(), o.on_error());
  REQUIRE(eventually([&] { return o.total() == 1; }));
  ticket.send_as_requester(recorder, who_asked{});
  REQUIRE(eventually([&] { return seen->load() != nullptr; }));
  CHECK(seen->load() == ticket.requester().get());
}

TEST_CASE("a callback request still waiting when the system shuts down fails with dead_receiver") {
  using keeper_if = typed_actor<result<int>(square)>;
  // The promise lives outside the actor: the actor's exit does not answer
  // the request, so only the shutdown can.
  struct holder {
    std::optional<typed_response_promise<int>> promise;
    std::atomic<bool> stored{false}; // release after promise is set
  };
  auto held = std::make_shared<holder>();
  outcome o;
  {
    actor_system sys{actor_system_config{}.set_workers(1)};
    auto keeper = sys.spawn([held](keeper_if::pointer self) -> keeper_if::behavior_type {
      return {[self, held](square) -> result<int> {
        held->promise = self->make_response_promise<int>();
        held->stored.store(true, std::memory_order_release);
        return *held->promise;
      }};
    });
    callback_request(sys, keeper, 60s, square{1}, o.on_value(), o.on_error());
    REQUIRE(eventually([&] { return held->stored.load(std::memory_order_acquire); }));
    sys.shutdown();
    CHECK(o.total() == 1);
    CHECK(o.err() == sec::dead_receiver);
    held->promise.reset(); // answers now: dropped
  }
  CHECK(o.total() == 1);
}

TEST_SUITE_END();
