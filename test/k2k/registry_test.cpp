#include <doctest/doctest.h>

#include <algorithm>

#include <ringactor/all.hpp>
#include <ringactor/k2k/broker.hpp>
#include <ringactor/k2k/type_registry.hpp>

#include "k2k_test_util.hpp"

using namespace ringactor;
using namespace std::chrono_literals;
using k2k_test::ping;

namespace sensors {

struct temperature {
  float celsius;
};
struct pressure {
  double pascal;
};
struct label {
  std::string text; // routable between host actors, not into device memory
};
RINGACTOR_K2K_ROUTABLE(temperature, "k2k.test.sensors")
RINGACTOR_K2K_ROUTABLE(pressure, "k2k.test.sensors")
RINGACTOR_K2K_ROUTABLE(label, "k2k.test.labels")

} // namespace sensors

namespace {

struct not_routable {
  int x;
};

bool contains(const std::vector<k2k::routable_type>& xs, type_id_t id) {
  return std::any_of(xs.begin(), xs.end(), [id](auto& x) { return x.id == id; });
}

} // namespace

TEST_SUITE_BEGIN("k2k");

TEST_CASE("routable types are registered at static initialization with id, name and category") {
  auto& reg = k2k::type_registry::global();
  auto t = reg.find(type_id_of<sensors::temperature>());
  REQUIRE(t.has_value());
  CHECK(t->name == "sensors::temperature");
  CHECK(t->category == "k2k.test.sensors");
  CHECK(t->size == sizeof(sensors::temperature));
  CHECK(t->trivially_copyable);
  CHECK(t->stable_id == k2k::detail::fnv1a("sensors::temperature"));
  auto by_name = reg.find("sensors::pressure");
  REQUIRE(by_name.has_value());
  CHECK(by_name->id == type_id_of<sensors::pressure>());
  auto by_stable = reg.find_stable(t->stable_id);
  REQUIRE(by_stable.has_value());
  CHECK(by_stable->id == t->id);
  auto l = reg.find(type_id_of<sensors::label>());
  REQUIRE(l.has_value());
  CHECK_FALSE(l->trivially_copyable);
}

TEST_CASE("the registry lists routable types by category") {
  auto& reg = k2k::type_registry::global();
  auto in_sensors = reg.list("k2k.test.sensors");
  CHECK(in_sensors.size() == 2);
  CHECK(contains(in_sensors, type_id_of<sensors::temperature>()));
  CHECK(contains(in_sensors, type_id_of<sensors::pressure>()));
  auto in_labels = reg.list("k2k.test.labels");
  REQUIRE(in_labels.size() == 1);
  CHECK(in_labels[0].id == type_id_of<sensors::label>());
  CHECK(reg.list("no such category").empty());
  auto cats = reg.categories();
  CHECK(std::is_sorted(cats.begin(), cats.end()));
  CHECK(std::find(cats.begin(), cats.end(), "k2k.test.sensors") != cats.end());
  CHECK(std::find(cats.begin(), cats.end(), "k2k.test") != cats.end());
  CHECK(reg.list().size() == reg.size());
}

TEST_CASE("a type that is not declared routable is not in the registry") {
  static_assert(k2k::routable<sensors::temperature>);
  static_assert(k2k::routable<const sensors::temperature&>);
  static_assert(!k2k::routable<not_routable>);
  static_assert(!k2k::routable<int>);
  auto& reg = k2k::type_registry::global();
  CHECK_FALSE(reg.find(type_id_of<not_routable>()).has_value());
  auto missing = reg.require(type_id_of<not_routable>());
  REQUIRE(!missing.has_value());
  CHECK(missing.error() == k2k::errc::unregistered_type);
  CHECK(missing.error().context().find("not_routable") != std::string_view::npos);
}

TEST_CASE("registering a type twice is idempotent") {
  auto before = k2k::type_registry::global().size();
  CHECK_FALSE(k2k::register_routable<sensors::temperature>("k2k.test.sensors"));
  CHECK(k2k::type_registry::global().size() == before);
}

TEST_CASE("an untyped send of an unregistered type is answered with unregistered_type") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto b = k2k::spawn_broker(sys);
  scoped_actor self{sys};
  k2k::send_msg m{"anywhere", k2k::dynamic_message::from(not_routable{1})};
  auto r = self->request(b, 5s, std::move(m)).get();
  REQUIRE(!r.has_value());
  CHECK(r.error() == k2k::errc::unregistered_type);
  CHECK(r.error().context().find("not_routable") != std::string_view::npos);
  // The same path accepts a registered type known only at run time.
  k2k::send_msg ok{"anywhere", k2k::dynamic_message::from(ping{1})};
  auto r2 = self->request(b, 5s, std::move(ok)).get();
  REQUIRE(r2.has_value());
  CHECK(r2->status == k2k::delivery_status::not_found);
  // A send without a message is refused too.
  auto r3 = self->request(b, 5s, k2k::send_msg{"anywhere", {}}).get();
  REQUIRE(!r3.has_value());
  CHECK(r3.error() == k2k::errc::empty_message);
  auto st = k2k_test::stats_of(self, b);
  CHECK(st.refused_sends == 2);
  CHECK(st.accepted == 1);
}

TEST_CASE("k2k error codes have readable messages") {
  error e{k2k::errc::clock_skew};
  CHECK(e.category_name() == "k2k");
  CHECK(e.message().find("skew") != std::string::npos);
  CHECK(to_string(error{k2k::errc::unregistered_type, "foo"}).find("foo") != std::string::npos);
}

TEST_SUITE_END();
