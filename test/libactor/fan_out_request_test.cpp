#include <doctest/doctest.h>

#include <future>
#include <memory>
#include <vector>

#include <ringactor/all.hpp>

using namespace ringactor;
using namespace std::chrono_literals;

namespace {

using doubler = typed_actor<result<int>(int)>;

doubler::behavior_type doubler_impl(doubler::pointer) {
  return {[](int x) { return 2 * x; }};
}

/// Scales by its own factor, so that the order of results is observable.
doubler::behavior_type scaler_impl(doubler::pointer, int factor) {
  return {[factor](int x) { return factor * x; }};
}

/// Takes requests and never answers them (keeps the promises).
behavior silent_impl(stateful_actor<std::vector<response_promise>>* self) {
  return {[self](int) -> delegated<int> {
    self->state.push_back(self->make_untyped_response_promise());
    return {};
  }};
}

/// What a fan-out produced: values or an error.
template <class T>
struct outcome {
  std::promise<expected<T>> promise;
  expected<T> wait() {
    auto f = promise.get_future();
    if (f.wait_for(5s) != std::future_status::ready)
      return error{sec::runtime_error, "the fan-out never completed"};
    return f.get();
  }
};

template <class Policy, class T, class Handle>
void fan_out_from_actor(actor_system& sys, std::vector<Handle> dests, timespan timeout, int msg,
                        outcome<T>& out) {
  sys.spawn([&out, dests, timeout, msg](event_based_actor* self) -> behavior {
    self->fan_out_request<Policy>(dests, timeout, msg)
      .then(
        [&out, self](T x) {
          out.promise.set_value(std::move(x));
          self->quit();
        },
        [&out, self](const error& err) {
          out.promise.set_value(err);
          self->quit();
        });
    return {[](const std::string&) {}};
  });
}

doubler dead_doubler(actor_system& sys) {
  scoped_actor self{sys};
  doubler d = sys.spawn(doubler_impl);
  self->monitor(d);
  anon_send_exit(d, exit_reason::kill);
  REQUIRE(self->receive_for(5s, [](down_msg&) {}));
  return d;
}

} // namespace

TEST_SUITE_BEGIN("libactor");

TEST_CASE("select_all delivers every response in the order of the handles") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  std::vector<doubler> ds;
  for (int i = 1; i <= 5; ++i)
    ds.push_back(sys.spawn(scaler_impl, i));
  outcome<std::vector<int>> out;
  fan_out_from_actor<select_all>(sys, ds, 5s, 10, out);
  auto xs = out.wait();
  REQUIRE(xs);
  CHECK_EQ(*xs, std::vector<int>{10, 20, 30, 40, 50});
}

TEST_CASE("select_all over no handles delivers an empty vector at once") {
  actor_system sys{actor_system_config{}.set_workers(1)};
  std::promise<std::pair<bool, size_t>> got;
  sys.spawn([&](event_based_actor* self) -> behavior {
    bool ran = false;
    size_t n = 99;
    self->fan_out_request<select_all>(std::vector<doubler>{}, 1s, 1)
      .then([&](std::vector<int> xs) { ran = true, n = xs.size(); }, [](const error&) {});
    got.set_value({ran, n}); // ran inside then(), before it returned
    return {};
  });
  auto f = got.get_future();
  REQUIRE(f.wait_for(5s) == std::future_status::ready);
  auto [ran, n] = f.get();
  CHECK(ran);
  CHECK_EQ(n, 0u);
}

TEST_CASE("select_all fails with dead_receiver when one handle is dead") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  std::vector<doubler> ds{sys.spawn(doubler_impl), dead_doubler(sys), sys.spawn(doubler_impl)};
  outcome<std::vector<int>> out;
  fan_out_from_actor<select_all>(sys, ds, 5s, 1, out);
  auto xs = out.wait();
  REQUIRE_FALSE(xs);
  CHECK_EQ(xs.error(), sec::dead_receiver);
}

TEST_CASE("select_all fails with request_timeout when a receiver never answers") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  std::vector<actor> as{actor_cast<actor>(sys.spawn(doubler_impl)), sys.spawn(silent_impl)};
  outcome<std::vector<int>> out;
  fan_out_from_actor<select_all>(sys, as, std::chrono::milliseconds{50}, 1, out);
  auto xs = out.wait();
  REQUIRE_FALSE(xs);
  CHECK_EQ(xs.error(), sec::request_timeout);
}

TEST_CASE("select_any delivers a response of a live actor when another is dead") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  std::vector<doubler> ds{dead_doubler(sys), sys.spawn(doubler_impl)};
  outcome<int> out;
  fan_out_from_actor<select_any>(sys, ds, 5s, 21, out);
  auto x = out.wait();
  REQUIRE(x);
  CHECK_EQ(*x, 42);
}

TEST_CASE("select_any delivers the first response even when another receiver never answers") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  std::vector<actor> as{sys.spawn(silent_impl), actor_cast<actor>(sys.spawn(doubler_impl))};
  outcome<int> out;
  fan_out_from_actor<select_any>(sys, as, 5s, 4, out);
  auto x = out.wait();
  REQUIRE(x);
  CHECK_EQ(*x, 8);
}

TEST_CASE("select_any fails only when every request failed") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  std::vector<doubler> ds{dead_doubler(sys), dead_doubler(sys)};
  outcome<int> out;
  fan_out_from_actor<select_any>(sys, ds, 5s, 1, out);
  auto x = out.wait();
  REQUIRE_FALSE(x);
  CHECK_EQ(x.error(), sec::dead_receiver);
}

TEST_CASE("select_any fails with request_timeout when no receiver answers in time") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  std::vector<actor> as{sys.spawn(silent_impl), sys.spawn(silent_impl)};
  outcome<int> out;
  fan_out_from_actor<select_any>(sys, as, std::chrono::milliseconds{50}, 1, out);
  auto x = out.wait();
  REQUIRE_FALSE(x);
  CHECK_EQ(x.error(), sec::request_timeout);
}

TEST_CASE("select_any over no handles is an invalid_argument error") {
  actor_system sys{actor_system_config{}.set_workers(1)};
  outcome<int> out;
  fan_out_from_actor<select_any>(sys, std::vector<doubler>{}, 1s, 1, out);
  auto x = out.wait();
  REQUIRE_FALSE(x);
  CHECK_EQ(x.error(), sec::invalid_argument);
}

TEST_CASE("an awaited select_all holds other messages back until it completes") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  std::vector<doubler> ds{sys.spawn(doubler_impl), sys.spawn(doubler_impl)};
  scoped_actor probe{sys};
  auto probe_handle = probe.as_actor();
  auto a = sys.spawn([=](event_based_actor* self) -> behavior {
    self->fan_out_request<select_all>(ds, 5s, 3).await(
      [=](std::vector<int> xs) { anon_send(probe_handle, xs.size()); }, [](const error&) {});
    return {[=](const std::string& s) { anon_send(probe_handle, s); }};
  });
  anon_send(a, std::string{"later"});
  std::vector<std::string> order;
  for (int i = 0; i < 2; ++i)
    REQUIRE(probe->receive_for(
      5s, [&](size_t n) { order.push_back(std::to_string(n)); },
      [&](std::string& s) { order.push_back(s); }));
  CHECK_EQ(order, std::vector<std::string>{"2", "later"});
}
