#include <doctest/doctest.h>

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <ringactor/all.hpp>
#include <ringactor/supervision/all.hpp>

#include "test_util.hpp"

using namespace ringactor;
using namespace ringactor::supervision;
using namespace std::chrono_literals;
using test_util::eventually;

namespace {

struct crash {};
struct finish {};
struct ping {};

/// Records the order in which children stop (their state dies with them).
struct stop_log {
  std::mutex mtx;
  std::vector<std::string> names;
  void add(std::string name) {
    std::lock_guard guard{mtx};
    names.push_back(std::move(name));
  }
  std::vector<std::string> get() {
    std::lock_guard guard{mtx};
    return names;
  }
  void clear() {
    std::lock_guard guard{mtx};
    names.clear();
  }
};

struct child_state {
  std::shared_ptr<stop_log> log;
  std::string name;
  ~child_state() {
    if (log)
      log->add(name);
  }
};

/// A child that crashes on `crash`, exits normally on `finish`, answers `ping`.
child_factory worker(std::string name, std::shared_ptr<stop_log> log = nullptr) {
  return [name, log](actor_system& sys) {
    return sys.spawn([name, log](stateful_actor<child_state>* self) -> behavior {
      self->state.log = log;
      self->state.name = name;
      return {
        [](crash) -> int { throw std::runtime_error("injected crash"); },
        [self](finish) { self->quit(); },
        [name](ping) { return name; },
      };
    });
  };
}

std::vector<child_info> children_of(scoped_actor& self, const actor& sup) {
  auto r = self->request(sup, 5s, which_children{}).get<std::vector<child_info>>();
  REQUIRE(r.has_value());
  return *r;
}

uint64_t starts_of(scoped_actor& self, const actor& sup, const std::string& name) {
  for (auto& c : children_of(self, sup))
    if (c.name == name)
      return c.starts;
  return 0;
}

actor handle_of(scoped_actor& self, const actor& sup, const std::string& name) {
  for (auto& c : children_of(self, sup))
    if (c.name == name)
      return c.handle;
  return {};
}

std::vector<child_spec> three_children(std::shared_ptr<stop_log> log = nullptr) {
  return {{.name = "a", .start = worker("a", log)},
          {.name = "b", .start = worker("b", log)},
          {.name = "c", .start = worker("c", log)}};
}

bool restarted(scoped_actor& self, const actor& sup, const std::string& name, uint64_t n) {
  return eventually([&] { return starts_of(self, sup, name) == n && handle_of(self, sup, name); });
}

/// A child that traps exits and ignores user_shutdown: only a kill stops it.
actor holdout(actor_system& s) {
  return s.spawn([](event_based_actor* me) -> behavior {
    me->set_exit_handler([](exit_msg&) {}); // ignores user_shutdown
    return {[](ping) { return std::string{"still here"}; }};
  });
}

} // namespace

TEST_SUITE_BEGIN("supervision");

TEST_CASE("one_for_one restarts only the child that crashed") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto sup = sys.spawn(supervisor{.strategy = one_for_one{}, .children = three_children()});
  auto a = handle_of(self, sup, "a");
  auto b = handle_of(self, sup, "b");
  auto c = handle_of(self, sup, "c");
  self->send(b, crash{});
  CHECK(restarted(self, sup, "b", 2));
  CHECK_EQ(starts_of(self, sup, "a"), 1u);
  CHECK_EQ(starts_of(self, sup, "c"), 1u);
  CHECK_EQ(handle_of(self, sup, "a"), a);
  CHECK_EQ(handle_of(self, sup, "c"), c);
  CHECK_NE(handle_of(self, sup, "b"), b);
  // The new child works.
  auto r = self->request(handle_of(self, sup, "b"), 1s, ping{}).get<std::string>();
  CHECK_EQ(r.value(), "b");
}

TEST_CASE("one_for_all restarts every child, stopping the others in reverse order") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto log = std::make_shared<stop_log>();
  auto sup = sys.spawn(supervisor{.strategy = one_for_all{}, .children = three_children(log)});
  auto a = handle_of(self, sup, "a");
  self->send(handle_of(self, sup, "a"), crash{});
  CHECK(restarted(self, sup, "a", 2));
  CHECK(restarted(self, sup, "b", 2));
  CHECK(restarted(self, sup, "c", 2));
  // a crashed first; then c and b were stopped, in that order.
  CHECK_EQ(log->get(), std::vector<std::string>{"a", "c", "b"});
  CHECK_NE(handle_of(self, sup, "a"), a);
}

TEST_CASE("rest_for_one restarts the crashed child and those started after it") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto log = std::make_shared<stop_log>();
  auto sup = sys.spawn(supervisor{.strategy = rest_for_one{}, .children = three_children(log)});
  self->send(handle_of(self, sup, "b"), crash{});
  CHECK(restarted(self, sup, "b", 2));
  CHECK(restarted(self, sup, "c", 2));
  CHECK_EQ(starts_of(self, sup, "a"), 1u);
  CHECK_EQ(log->get(), std::vector<std::string>{"b", "c"});
}

TEST_CASE("exceeding the restart intensity makes the supervisor exit") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto sup = sys.spawn(supervisor{.strategy = one_for_one{.max_restarts = 2, .within = 10s},
                                  .children = {{.name = "flaky", .start = worker("flaky")}}});
  self->monitor(sup);
  for (uint64_t i = 1; i <= 3; ++i) {
    REQUIRE(restarted(self, sup, "flaky", i));
    self->send(handle_of(self, sup, "flaky"), crash{});
  }
  error reason;
  CHECK(self->receive_for(10s, [&](down_msg& d) { reason = d.reason; }));
  CHECK_EQ(reason, supervision_error::restart_intensity_exceeded);
}

TEST_CASE("a supervisor that gives up is restarted by its own supervisor") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto inner = [](actor_system& s) {
    return s.spawn(supervisor{.strategy = one_for_one{.max_restarts = 1, .within = 10s},
                              .children = {{.name = "leaf", .start = worker("leaf")}},
                              .name = "inner"});
  };
  auto top = sys.spawn(supervisor{.strategy = one_for_one{.max_restarts = 5, .within = 10s},
                                  .children = {{.name = "inner", .start = inner}},
                                  .name = "top"});
  auto first_inner = handle_of(self, top, "inner");
  REQUIRE(first_inner);
  // Two crashes of the leaf exceed the inner supervisor's intensity (1).
  for (uint64_t i = 1; i <= 2; ++i) {
    REQUIRE(restarted(self, first_inner, "leaf", i));
    self->send(handle_of(self, first_inner, "leaf"), crash{});
  }
  CHECK(restarted(self, top, "inner", 2));
  auto second_inner = handle_of(self, top, "inner");
  CHECK_NE(second_inner, first_inner);
  CHECK_EQ(first_inner.get()->exit_reason(), supervision_error::restart_intensity_exceeded);
  CHECK(restarted(self, second_inner, "leaf", 1));
}

TEST_CASE("a transient child is restarted after an abnormal exit only") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto sup = sys.spawn(supervisor{
    .children = {{.name = "t", .start = worker("t"), .restart = restart_type::transient}}});
  self->send(handle_of(self, sup, "t"), crash{});
  CHECK(restarted(self, sup, "t", 2));
  auto t = handle_of(self, sup, "t");
  self->monitor(t);
  self->send(t, finish{});
  CHECK(self->receive_for(5s, [](down_msg&) {}));
  // Exited normally: the spec stays, the child is not running again.
  CHECK(eventually([&] { return !handle_of(self, sup, "t"); }));
  CHECK_EQ(starts_of(self, sup, "t"), 2u);
  auto counts = self->request(sup, 1s, count_children{}).get<supervisor_counts>();
  CHECK_EQ(counts->specs, 1u);
  CHECK_EQ(counts->running, 0u);
}

TEST_CASE("a temporary child is never restarted") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto sup = sys.spawn(supervisor{
    .children = {{.name = "tmp", .start = worker("tmp"), .restart = restart_type::temporary},
                 {.name = "p", .start = worker("p")}}});
  auto tmp = handle_of(self, sup, "tmp");
  self->monitor(tmp);
  self->send(tmp, crash{});
  CHECK(self->receive_for(5s, [](down_msg&) {}));
  CHECK(eventually([&] { return children_of(self, sup).size() == 1; }));
  CHECK_EQ(children_of(self, sup)[0].name, "p");
  auto counts = self->request(sup, 1s, count_children{}).get<supervisor_counts>();
  CHECK_EQ(counts->restarts, 0u);
}

TEST_CASE("a supervisor stops its children in reverse start order when it exits") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto log = std::make_shared<stop_log>();
  auto sup = sys.spawn(supervisor{.children = three_children(log)});
  REQUIRE_EQ(children_of(self, sup).size(), 3u);
  self->monitor(sup);
  self->send_exit(sup, exit_reason::user_shutdown);
  error reason;
  CHECK(self->receive_for(5s, [&](down_msg& d) { reason = d.reason; }));
  CHECK_EQ(reason, exit_reason::user_shutdown);
  CHECK_EQ(log->get(), std::vector<std::string>{"c", "b", "a"});
}

TEST_CASE("a child that ignores the shutdown request is killed after its timeout") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto sup = sys.spawn(supervisor{
    .children = {
      {.name = "holdout", .start = holdout, .shutdown = shutdown_policy::timeout(50ms)},
    }});
  auto child = handle_of(self, sup, "holdout");
  self->monitor(child);
  self->monitor(sup);
  self->send_exit(sup, exit_reason::user_shutdown);
  // Two senders' down messages: they may arrive in either order (the child
  // tells its supervisor and this actor one after the other, and the
  // supervisor may end and tell this actor in between).
  std::map<actor_id, error> downs;
  for (int i = 0; i < 2; ++i)
    CHECK(self->receive_for(5s, [&](down_msg& d) { downs.emplace(d.source.id(), d.reason); }));
  REQUIRE_EQ(downs.size(), 2u);
  REQUIRE_EQ(downs.count(child.id()), 1u);
  CHECK_EQ(downs[child.id()], exit_reason::kill);
  CHECK_EQ(downs.count(sup.id()), 1u);
}

TEST_CASE("children are added and removed at runtime") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto log = std::make_shared<stop_log>();
  auto sup = sys.spawn(supervisor{.children = {{.name = "a", .start = worker("a", log)}}});
  auto added = self->request(sup, 1s, start_child{{.name = "b", .start = worker("b", log)}})
                 .get<actor>();
  REQUIRE(added.has_value());
  CHECK_EQ(self->request(*added, 1s, ping{}).get<std::string>().value(), "b");
  auto dup = self->request(sup, 1s, start_child{{.name = "b", .start = worker("b")}}).get<actor>();
  CHECK_EQ(dup.error(), supervision_error::duplicate_child);
  CHECK(self->request(sup, 1s, remove_child{"a"}).get<unit_t>().has_value());
  CHECK_EQ(log->get(), std::vector<std::string>{"a"});
  auto kids = children_of(self, sup);
  REQUIRE_EQ(kids.size(), 1u);
  CHECK_EQ(kids[0].name, "b");
  auto missing = self->request(sup, 1s, remove_child{"zzz"}).get<unit_t>();
  CHECK_EQ(missing.error(), supervision_error::no_such_child);
}

TEST_CASE("with backoff a restart waits at least the initial delay") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto sup = sys.spawn(supervisor{
    .strategy = one_for_one{.max_restarts = 10,
                            .within = 10s,
                            .backoff = backoff{.initial = 100ms, .max = 1s, .jitter = 0.1}},
    .children = {{.name = "x", .start = worker("x")}}});
  auto start = std::chrono::steady_clock::now();
  self->send(handle_of(self, sup, "x"), crash{});
  CHECK(restarted(self, sup, "x", 2));
  CHECK_GE(std::chrono::steady_clock::now() - start, 90ms);
}

TEST_CASE("a child whose factory fails makes start_child fail with child_start_failed") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto sup = sys.spawn(supervisor{});
  auto r = self
             ->request(sup, 1s,
                       start_child{
                         {.name = "bad",
                          .start = [](actor_system&) -> actor { throw std::runtime_error("no"); }}})
             .get<actor>();
  CHECK_EQ(r.error(), supervision_error::child_start_failed);
}

TEST_CASE("a temporary child stopped by one_for_all is not restarted with its siblings") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto log = std::make_shared<stop_log>();
  auto sup = sys.spawn(supervisor{
    .strategy = one_for_all{},
    .children = {
      {.name = "p", .start = worker("p", log)},
      {.name = "tmp", .start = worker("tmp", log), .restart = restart_type::temporary}}});
  self->send(handle_of(self, sup, "p"), crash{});
  CHECK(restarted(self, sup, "p", 2));
  // The restart stopped tmp; being temporary, it is not started again and
  // its spec is gone (as in Erlang/OTP).
  CHECK_EQ(log->get(), std::vector<std::string>{"p", "tmp"});
  auto kids = children_of(self, sup);
  REQUIRE_EQ(kids.size(), 1u);
  CHECK_EQ(kids[0].name, "p");
}

TEST_CASE("a temporary child stopped by rest_for_one is not restarted with its siblings") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto sup = sys.spawn(supervisor{
    .strategy = rest_for_one{},
    .children = {{.name = "a", .start = worker("a")},
                 {.name = "tmp", .start = worker("tmp"), .restart = restart_type::temporary},
                 {.name = "c", .start = worker("c")}}});
  self->send(handle_of(self, sup, "a"), crash{});
  CHECK(restarted(self, sup, "a", 2));
  CHECK(restarted(self, sup, "c", 2));
  auto kids = children_of(self, sup);
  REQUIRE_EQ(kids.size(), 2u);
  CHECK_EQ(kids[0].name, "a");
  CHECK_EQ(kids[1].name, "c");
}

TEST_CASE("a supervisor asked to exit twice still stops its children before it exits") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto sup = sys.spawn(supervisor{
    .children = {
      {.name = "holdout", .start = holdout, .shutdown = shutdown_policy::timeout(100ms)},
    }});
  auto child = handle_of(self, sup, "holdout");
  self->monitor(child);
  self->monitor(sup);
  // A second request (its parent and the system's shutdown, say) while the
  // first stop still waits for the child.
  self->send_exit(sup, exit_reason::user_shutdown);
  self->send_exit(sup, exit_reason::user_shutdown);
  std::vector<std::pair<actor_id, error>> downs;
  for (int i = 0; i < 2; ++i)
    CHECK(self->receive_for(5s, [&](down_msg& d) { downs.emplace_back(d.source.id(), d.reason); }));
  REQUIRE_EQ(downs.size(), 2u);
  CHECK_EQ(downs[0].first, child.id());
  CHECK_EQ(downs[0].second, exit_reason::kill);
  CHECK_EQ(downs[1].first, sup.id());
  CHECK_EQ(downs[1].second, exit_reason::user_shutdown);
}

TEST_CASE("a sibling that fails while one_for_all stops it is part of the same restart") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  // One restart decision allowed: a second one would make it give up.
  auto sup = sys.spawn(supervisor{
    .strategy = one_for_all{.max_restarts = 1, .within = 10s},
    .children = {{.name = "a", .start = worker("a")},
                 {.name = "b", .start = worker("b")},
                 {.name = "c", .start = holdout, .shutdown = shutdown_policy::timeout(500ms)}}});
  auto b = handle_of(self, sup, "b");
  self->monitor(sup);
  self->send(handle_of(self, sup, "a"), crash{});
  // The restart is stopping c (which makes it wait for its timeout) and
  // will stop b next; b fails on its own meanwhile (as in Erlang/OTP, its
  // exit is consumed by that stop, not a second restart decision).
  REQUIRE(eventually([&] { return !handle_of(self, sup, "a"); }));
  self->send(b, crash{});
  CHECK(restarted(self, sup, "a", 2));
  CHECK(restarted(self, sup, "b", 2));
  CHECK(restarted(self, sup, "c", 2));
  auto counts = self->request(sup, 1s, count_children{}).get<supervisor_counts>();
  REQUIRE(counts.has_value());
  CHECK_EQ(counts->restarts, 1u);
  CHECK_EQ(counts->running, 3u);
}

TEST_CASE("a supervisor that is shutting down starts no new child") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto sup = sys.spawn(supervisor{
    .children = {
      {.name = "holdout", .start = holdout, .shutdown = shutdown_policy::timeout(200ms)},
    }});
  REQUIRE(handle_of(self, sup, "holdout"));
  self->monitor(sup);
  self->send_exit(sup, exit_reason::user_shutdown);
  // Arrives while the supervisor waits for its child to stop: a child
  // started now would be in no stop order and outlive its supervisor.
  auto late = self
                ->request(sup, 5s,
                          start_child{{.name = "late",
                                       .start = holdout,
                                       .shutdown = shutdown_policy::timeout(200ms)}})
                .get<actor>();
  if (late.has_value()) {
    FAIL_CHECK("a child started during shutdown");
    self->send_exit(*late, exit_reason::kill);
  } else {
    CHECK_EQ(late.error(), supervision_error::child_start_failed);
  }
  CHECK(self->receive_for(5s, [](down_msg&) {}));
}

TEST_SUITE_END();
