#include <doctest/doctest.h>

#include <algorithm>

#include <ringactor/k2k/type_registry.hpp>
#include <ringactor/type_registry.hpp>

#include "wire_test_types.hpp"

using namespace ringactor;
using namespace wire_test;

namespace wire_test {

/// Named and routable: one entry that k2k sees under the stable name.
struct reading {
  float celsius = 0;
};
template <class Inspector>
bool inspect(Inspector& f, reading& x) {
  return f.object(x).fields(f.field("celsius", x.celsius));
}
RINGACTOR_TYPE(reading, "wire_test.reading", "wire_test.sensors")
RINGACTOR_K2K_ROUTABLE(reading, "wire_test.sensors")

/// Routable first, named after: the name replaces the compiler's spelling.
struct late_named {
  std::int32_t v = 0;
};
template <class Inspector>
bool inspect(Inspector& f, late_named& x) {
  return f.object(x).fields(f.field("v", x.v));
}
RINGACTOR_K2K_ROUTABLE(late_named, "wire_test.sensors")
RINGACTOR_TYPE(late_named, "wire_test.late_named")

/// Registered without an inspect function: known, but with no wire form.
struct opaque {
  void* p = nullptr;
};
RINGACTOR_TYPE(opaque, "wire_test.opaque")

/// Inspectable, registered at run time by a test.
struct late_comer {
  std::string s;
};
template <class Inspector>
bool inspect(Inspector& f, late_comer& x) {
  return f.object(x).fields(f.field("s", x.s));
}

struct impostor {
  int x = 0;
};

} // namespace wire_test

TEST_SUITE_BEGIN("wire");

TEST_CASE("a registered type is found by name, by stable id and by type id") {
  auto& reg = type_registry::global();
  auto e = reg.find("wire_test.point");
  REQUIRE(e.has_value());
  CHECK(e->id == type_id_of<point>());
  CHECK(e->stable_id == wire::fnv1a64("wire_test.point"));
  CHECK(e->stable_id == 0xa3e7c31849bafeadull); // the same in every build: a golden value
  CHECK(e->size == sizeof(point));
  CHECK(e->trivially_copyable);
  CHECK(e->named);
  CHECK_FALSE(e->routable);
  REQUIRE((e->schema != nullptr));
  CHECK(e->digest == wire::digest_of(e->schema()));
  CHECK((e->binary.save != nullptr));
  CHECK((e->binary.load != nullptr));
  auto by_id = reg.find(type_id_of<point>());
  REQUIRE(by_id.has_value());
  CHECK(by_id->name == "wire_test.point"); // a type id finds its stable name
  auto by_stable = reg.find_stable(e->stable_id);
  REQUIRE(by_stable.has_value());
  CHECK(by_stable->id == type_id_of<point>());
  CHECK(wire::wire_name_of<point>() == "wire_test.point");
}

TEST_CASE("the registry lists types by category") {
  auto& reg = type_registry::global();
  auto xs = reg.list("wire_test");
  auto has = [&](type_id_t id) {
    return std::any_of(xs.begin(), xs.end(), [&](auto& x) { return x.id == id; });
  };
  CHECK(has(type_id_of<pod>()));
  CHECK(has(type_id_of<order>()));
  CHECK(has(type_id_of<everything>()));
  CHECK_FALSE(has(type_id_of<point>())); // registered without a category
  auto cats = reg.categories();
  CHECK(std::is_sorted(cats.begin(), cats.end()));
  CHECK(std::find(cats.begin(), cats.end(), "wire_test") != cats.end());
  CHECK(reg.list().size() == reg.size());
}

TEST_CASE("k2k's routable types are entries of the one registry") {
  auto& reg = type_registry::global();
  auto before = reg.size();
  auto e = reg.find(type_id_of<wire_test::reading>());
  REQUIRE(e.has_value());
  CHECK(e->routable);
  CHECK(e->name == "wire_test.reading");
  auto r = k2k::type_registry::global().find(type_id_of<wire_test::reading>());
  REQUIRE(r.has_value());
  CHECK(r->name == "wire_test.reading");
  CHECK(r->stable_id == e->stable_id);
  CHECK(r->category == "wire_test.sensors");
  // A name given after the routable declaration replaces the compiler's.
  auto late = k2k::type_registry::global().find(type_id_of<late_named>());
  REQUIRE(late.has_value());
  CHECK(late->name == "wire_test.late_named");
  CHECK(late->stable_id == wire::fnv1a64("wire_test.late_named"));
  CHECK(reg.find("wire_test::late_named") == std::nullopt);
  // A type registered but not routable is not in k2k's view.
  CHECK_FALSE(k2k::type_registry::global().find(type_id_of<point>()).has_value());
  // Declaring it routable now adds no entry: it marks the one there is.
  CHECK(k2k::register_routable<point>("wire_test.late"));
  CHECK(reg.size() == before);
  CHECK(k2k::type_registry::global().find(type_id_of<point>()).has_value());
}

TEST_CASE("a taken name or a second name for a type is refused") {
  auto& reg = type_registry::global();
  auto before = reg.size();
  CHECK_FALSE(register_type<impostor>("wire_test.point"));
  CHECK_FALSE(reg.find(type_id_of<impostor>()).has_value());
  CHECK_FALSE(register_type<point>("wire_test.another_point"));
  CHECK_FALSE(reg.find("wire_test.another_point").has_value());
  CHECK(reg.find(type_id_of<point>())->name == "wire_test.point");
  CHECK(reg.size() == before);
}

TEST_CASE("an unknown type name yields unknown_type naming it") {
  auto r = type_registry::global().require("wire_test.nope");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() == wire_errc::unknown_type);
  CHECK(r.error().context().find("wire_test.nope") != std::string_view::npos);
  std::vector<std::byte> none;
  auto m = from_bytes("wire_test.nope", none);
  REQUIRE_FALSE(m.has_value());
  CHECK(m.error() == wire_errc::unknown_type);
}

TEST_CASE("a registered type without inspect has no wire form and says so") {
  auto e = type_registry::global().find("wire_test.opaque");
  REQUIRE(e.has_value());
  CHECK((e->schema == nullptr));
  CHECK(e->digest == 0);
  std::vector<std::byte> none;
  auto m = from_bytes("wire_test.opaque", none);
  REQUIRE_FALSE(m.has_value());
  CHECK(m.error() == wire_errc::not_inspectable);
  auto b = to_bytes(dynamic_message::from(opaque{}));
  REQUIRE_FALSE(b.has_value());
  CHECK(b.error() == wire_errc::not_inspectable);
  auto u = to_bytes(dynamic_message::from(impostor{}));
  REQUIRE_FALSE(u.has_value());
  CHECK(u.error() == wire_errc::unknown_type);
}

TEST_CASE("the registry's digest covers every inspectable type and changes with them") {
  auto& reg = type_registry::global();
  auto d1 = reg.digest();
  CHECK(d1 == reg.digest());
  CHECK_FALSE(register_type<tree>("wire_test.tree")); // already there: no change
  CHECK(reg.digest() == d1);
  CHECK(register_type<late_comer>("wire_test.late_comer"));
  CHECK(reg.digest() != d1);
}

TEST_SUITE_END();
