#include <doctest/doctest.h>

#include <chrono>
#include <future>

#include <ringactor/json_format.hpp>

#include "json_test_types.hpp"

using namespace ringactor;
using namespace json_test;
using namespace std::chrono_literals;

TEST_SUITE_BEGIN("wire");

TEST_CASE("every registered inspectable type has a JSON codec in the registry") {
  auto e = type_registry::global().find("json_test.order");
  REQUIRE(e.has_value());
  CHECK((e->json.save != nullptr));
  CHECK((e->json.load != nullptr));
}

TEST_CASE("a registered type goes from JSON text to a typed handler through dynamic_message") {
  auto m = from_json("json_test.order", R"({"id":42,"qty":3,"tags":["gift"]})");
  REQUIRE_MESSAGE(m.has_value(), to_string(m.error()));
  CHECK(m->type() == type_id_of<json_test::order>());
  actor_system sys{actor_system_config{}.set_workers(2)};
  std::promise<json_test::order> got;
  auto a = sys.spawn([&](event_based_actor* self) -> behavior {
    return {[&, self](const json_test::order& o) {
      got.set_value(o);
      self->quit();
    }};
  });
  REQUIRE(m->anon_send(a));
  auto f = got.get_future();
  REQUIRE(f.wait_for(10s) == std::future_status::ready);
  CHECK(f.get() == json_test::order{42, 3, {"gift"}});
}

TEST_CASE("to_json of a dynamic_message writes its registered type's JSON") {
  auto m = dynamic_message::from(json_test::order{1, 2, {"x"}});
  auto text = to_json(m);
  REQUIRE_MESSAGE(text.has_value(), to_string(text.error()));
  CHECK(*text == R"({"id":1,"qty":2,"tags":["x"]})");
  auto back = from_json("json_test.order", *text);
  REQUIRE(back.has_value());
  REQUIRE(back->get_if<json_test::order>() != nullptr);
  CHECK(*back->get_if<json_test::order>() == json_test::order{1, 2, {"x"}});
}

TEST_CASE("JSON for an unknown type name yields unknown_type naming it") {
  auto m = from_json("shop.no_such_type", "{}");
  REQUIRE_FALSE(m.has_value());
  CHECK(m.error() == wire_errc::unknown_type);
  CHECK(std::string{m.error().context()}.find("shop.no_such_type") != std::string::npos);
  struct unregistered {
    int x;
  };
  auto t = to_json(dynamic_message::from(unregistered{1}));
  REQUIRE_FALSE(t.has_value());
  CHECK(t.error() == wire_errc::unknown_type);
}

TEST_CASE("bad JSON for a type given by name names the type, field and pointer") {
  auto m = from_json("json_test.order", R"({"id":1,"qty":"two","tags":[]})");
  REQUIRE_FALSE(m.has_value());
  CHECK(m.error() == wire_errc::type_mismatch);
  CHECK(std::string{m.error().context()}.find("json_test.order: order.qty: at /qty") == 0);
}

TEST_SUITE_END();
