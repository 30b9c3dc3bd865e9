#include <doctest/doctest.h>

#include <future>

#include <ringactor/binary_format.hpp>
#include <ringactor/type_registry.hpp>

#include "wire_test_types.hpp"

using namespace ringactor;
using namespace std::chrono_literals;
using namespace wire_test;

TEST_SUITE_BEGIN("wire");

TEST_CASE("bytes become a dynamic_message that reaches a typed handler") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  std::promise<order> got;
  auto shop = sys.spawn([&](event_based_actor* self) -> behavior {
    return {[&, self](const order& x) {
      got.set_value(x);
      self->quit();
    }};
  });
  order sent{7, 3, {"red", "large"}};
  auto bytes = to_bytes(sent);
  REQUIRE(bytes.has_value());
  auto msg = from_bytes("wire_test.order", *bytes);
  REQUIRE_MESSAGE(msg.has_value(), to_string(msg.error()));
  CHECK(msg->type() == type_id_of<order>());
  CHECK(msg->anon_send(shop));
  CHECK_FALSE(*msg); // the payload moved out
  auto f = got.get_future();
  REQUIRE(f.wait_for(5s) == std::future_status::ready);
  CHECK(f.get() == sent);
}

TEST_CASE("a dynamic_message sent by an actor names it as the sender") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  std::promise<bool> had_sender;
  auto shop = sys.spawn([&](event_based_actor* self) -> behavior {
    return {[&, self](const point&) {
      had_sender.set_value(self->current_sender() != nullptr);
      self->quit();
    }};
  });
  scoped_actor self{sys};
  auto bytes = to_bytes(point{1, 2});
  REQUIRE(bytes.has_value());
  auto msg = from_bytes("wire_test.point", *bytes);
  REQUIRE(msg.has_value());
  CHECK(msg->send(self.operator->(), shop));
  auto f = had_sender.get_future();
  REQUIRE(f.wait_for(5s) == std::future_status::ready);
  CHECK(f.get());
  dynamic_message empty;
  CHECK_FALSE(empty.anon_send(shop));
}

TEST_CASE("a dynamic_message turns back into the bytes it came from") {
  order x{1, 2, {"a"}};
  auto bytes = to_bytes(x);
  REQUIRE(bytes.has_value());
  auto msg = from_bytes("wire_test.order", *bytes);
  REQUIRE(msg.has_value());
  auto again = to_bytes(*msg);
  REQUIRE(again.has_value());
  CHECK(*again == *bytes);
  auto bad = from_bytes("wire_test.order", std::span{bytes->data(), bytes->size() - 1});
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error() == wire_errc::truncated);
  CHECK_FALSE(to_bytes(dynamic_message{}).has_value());
}

TEST_CASE("a dynamic_message becomes a mailbox element with the sender and id it is given") {
  actor_system sys{actor_system_config{}.set_workers(1)};
  scoped_actor self{sys};
  order sent{9, 4, {"blue"}};
  auto bytes = to_bytes(sent);
  REQUIRE(bytes.has_value());
  auto msg = from_bytes("wire_test.order", *bytes);
  REQUIRE(msg.has_value());
  auto mid = message_id::make_request(42);
  auto x = msg->to_element(self->ctrl(), mid);
  REQUIRE(x != nullptr);
  CHECK_FALSE(*msg); // the payload moved out
  CHECK(x->sender == self->ctrl());
  CHECK(x->mid == mid);
  REQUIRE(x->get_if<order>() != nullptr);
  CHECK(*x->get_if<order>() == sent);
  CHECK(dynamic_message{}.to_element(nullptr, message_id{}) == nullptr);
}

TEST_SUITE_END();
