#include <doctest/doctest.h>

#include <future>
#include <stdexcept>

#include <ringactor/all.hpp>

using namespace ringactor;
using namespace std::chrono_literals;

namespace {

struct start {};
struct fail {};

/// A child whose behavior function throws: it ends inside spawn, before
/// spawn returns.
behavior failing_child(event_based_actor*) {
  throw std::runtime_error("child failed at once");
}

behavior quitting_child(event_based_actor* self) {
  return {[self](fail) { self->quit(exit_reason::user_shutdown); }};
}

class class_child : public event_based_actor {
public:
  using event_based_actor::event_based_actor;
  behavior make_behavior() override {
    return {[this](fail) { quit(exit_reason::user_shutdown); }};
  }
};

/// What a parent saw of its child.
struct report {
  bool got_down = false;
  bool got_exit = false;
  error down_reason;
  error exit_reason;
};

} // namespace

TEST_SUITE_BEGIN("libactor");

TEST_CASE("spawn<monitored> sees the down message of a child that fails at once") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  std::promise<error> down;
  auto parent = sys.spawn([&](event_based_actor* self) -> behavior {
    self->set_down_handler([&, self](down_msg& d) {
      down.set_value(d.reason);
      self->quit();
    });
    auto child = self->spawn<monitored>(failing_child);
    CHECK(child);
    return {[](start) {}};
  });
  auto f = down.get_future();
  REQUIRE(f.wait_for(5s) == std::future_status::ready);
  CHECK_EQ(f.get(), exit_reason::unhandled_exception);
}

TEST_CASE("spawn<linked> ends the parent when a child fails at once") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto parent = sys.spawn([](event_based_actor* p) -> behavior {
    p->spawn<linked>(failing_child);
    return {[](start) {}};
  });
  self->monitor(parent);
  error reason;
  REQUIRE(self->receive_for(5s, [&](down_msg& d) { reason = d.reason; }));
  CHECK_EQ(reason, exit_reason::unhandled_exception);
}

TEST_CASE("spawn<linked> ends the child when the parent exits abnormally") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  std::promise<actor> child_handle;
  auto parent = sys.spawn([&](event_based_actor* p) -> behavior {
    child_handle.set_value(p->spawn<linked>(quitting_child));
    return {[p](fail) { p->quit(exit_reason::user_shutdown); }};
  });
  auto f = child_handle.get_future();
  REQUIRE(f.wait_for(5s) == std::future_status::ready);
  auto child = f.get();
  self->monitor(child);
  self->send(parent, fail{});
  error reason;
  REQUIRE(self->receive_for(5s, [&](down_msg& d) { reason = d.reason; }));
  CHECK_EQ(reason, exit_reason::user_shutdown);
}

TEST_CASE("spawn<linked + monitored> of a class-based actor delivers both its exit and down") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  std::promise<report> seen;
  auto parent = sys.spawn([&](event_based_actor* self) -> behavior {
    auto r = std::make_shared<report>();
    auto check_done = [&, self, r] {
      if (r->got_down && r->got_exit) {
        seen.set_value(*r);
        self->quit();
      }
    };
    self->set_down_handler([r, check_done](down_msg& d) {
      r->got_down = true;
      r->down_reason = d.reason;
      check_done();
    });
    self->set_exit_handler([r, check_done](exit_msg& m) {
      r->got_exit = true;
      r->exit_reason = m.reason;
      check_done();
    });
    auto child = self->spawn<linked + monitored, class_child>();
    self->send(child, fail{});
    return {[](start) {}};
  });
  auto f = seen.get_future();
  REQUIRE(f.wait_for(5s) == std::future_status::ready);
  auto r = f.get();
  CHECK_EQ(r.down_reason, exit_reason::user_shutdown);
  CHECK_EQ(r.exit_reason, exit_reason::user_shutdown);
}

TEST_CASE("spawn<monitored> from a scoped actor delivers the child's down message to receive") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto child = self->spawn<monitored>(failing_child);
  error reason;
  REQUIRE(self->receive_for(5s, [&](down_msg& d) {
    CHECK_EQ(d.source, child.address());
    reason = d.reason;
  }));
  CHECK_EQ(reason, exit_reason::unhandled_exception);
}

TEST_CASE("spawn<linked> from a scoped actor delivers the child's abnormal exit to receive") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  scoped_actor self{sys};
  auto child = self->spawn<linked, class_child>();
  self->send(child, fail{});
  error reason;
  REQUIRE(self->receive_for(5s, [&](exit_msg& m) {
    CHECK_EQ(m.source, child.address());
    reason = m.reason;
  }));
  CHECK_EQ(reason, exit_reason::user_shutdown);
}
