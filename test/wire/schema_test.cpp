#include <doctest/doctest.h>

#include <algorithm>

#include <ringactor/schema.hpp>
#include <ringactor/type_registry.hpp>

#include "schema_twin.hpp"
#include "wire_test_types.hpp"

using namespace ringactor;
using namespace wire_test;

namespace wire_test {

struct with_point {
  std::optional<point> where;
};
template <class Inspector>
bool inspect(Inspector& f, with_point& x) {
  return f.object(x).fields(f.field("where", x.where));
}
RINGACTOR_TYPE(with_point, "wire_test.with_point")

} // namespace wire_test

namespace {

std::string type_of(const wire::type_schema& s, std::string_view field) {
  for (auto& f : s.fields)
    if (f.name == field)
      return f.type;
  return "(no such field)";
}

} // namespace

TEST_SUITE_BEGIN("wire");

TEST_CASE("a schema names each field and its type") {
  auto s = wire::schema_of<order>();
  CHECK(s.name == "wire_test.order");
  REQUIRE(s.fields.size() == 3);
  CHECK(s.fields[0] == wire::field_schema{"id", "u64"});
  CHECK(s.fields[1] == wire::field_schema{"qty", "i32"});
  CHECK(s.fields[2] == wire::field_schema{"tags", "list<string>"});
  CHECK(s.nested.empty());
  auto e = wire::schema_of<everything>();
  CHECK(type_of(e, "b") == "bool");
  CHECK(type_of(e, "f32") == "f32");
  CHECK(type_of(e, "c") == "enum<u8>");
  CHECK(type_of(e, "pts") == "array<wire_test.point,2>");
  CHECK(type_of(e, "maybe") == "optional<string>");
  CHECK(type_of(e, "var") == "variant<i32|string|wire_test.point>");
  CHECK(type_of(e, "um") == "map<u32,wire_test.point>");
  CHECK(type_of(e, "ms") == "duration<i64,1/1000>");
  CHECK(type_of(e, "secs") == "duration<f64,1/1>");
  CHECK(type_of(e, "addr") == "actor");
  CHECK(type_of(e, "err") == "error");
  REQUIRE(e.nested.size() == 1); // wire_test.point, once, however often it is reached
  CHECK(e.nested[0].name == "wire_test.point");
}

TEST_CASE("the same definitions in another translation unit have the same digest") {
  CHECK(wire::digest_of(wire::schema_of<order>()) == wire::digest_of(twin::same_order()));
  CHECK(wire::digest_of(wire::schema_of<everything>()) == wire::digest_of(twin::same_everything()));
  CHECK_FALSE(wire::compare_schemas(wire::schema_of<everything>(), twin::same_everything()));
  CHECK(wire::check_schema(wire::schema_of<order>(), twin::same_order()).has_value());
  // The digest depends on nothing but the definitions: a golden value.
  CHECK(wire::digest_of(wire::schema_of<order>()) == 0x1857b08d407a6a8aull);
  CHECK(type_registry::global().find("wire_test.order")->digest
        == wire::digest_of(twin::same_order()));
}

TEST_CASE("a field that changes type changes the digest and is named") {
  auto mine = wire::schema_of<order>();
  auto theirs = twin::retyped_order();
  CHECK(wire::digest_of(mine) != wire::digest_of(theirs));
  auto d = wire::compare_schemas(mine, theirs);
  REQUIRE(d.has_value());
  CHECK(d->type == "wire_test.order");
  CHECK(d->field == "qty");
  CHECK(d->what == "i32 here, i64 there");
  auto r = wire::check_schema(mine, theirs);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() == wire_errc::digest_mismatch);
  CHECK(r.error().context() == "wire_test.order: field 'qty': i32 here, i64 there");
}

TEST_CASE("a field that changes name changes the digest and is named") {
  auto mine = wire::schema_of<order>();
  auto theirs = twin::renamed_order();
  CHECK(wire::digest_of(mine) != wire::digest_of(theirs));
  auto d = wire::compare_schemas(mine, theirs);
  REQUIRE(d.has_value());
  CHECK(d->type == "wire_test.order");
  CHECK(d->field == "tags");
  CHECK(d->what == "field 2 is 'tags' here, 'labels' there");
}

TEST_CASE("a change inside a nested type changes the outer digest and names the nested field") {
  auto mine = wire::schema_of<with_point>();
  auto theirs = twin::nested_changed();
  CHECK(mine.fields == theirs.fields); // the outer fields read the same
  CHECK(wire::digest_of(mine) != wire::digest_of(theirs));
  auto r = wire::check_schema(mine, theirs);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().context()
        == "wire_test.with_point: in nested type wire_test.point: field 'y': i32 here, f64 there");
}

TEST_CASE("a schema crosses the binary format, as a remote side's would") {
  auto mine = wire::schema_of<everything>();
  auto bytes = to_bytes(mine);
  REQUIRE(bytes.has_value());
  auto msg = from_bytes("ringactor.type_schema", *bytes);
  REQUIRE_MESSAGE(msg.has_value(), to_string(msg.error()));
  auto* theirs = msg->get_if<wire::type_schema>();
  REQUIRE(theirs != nullptr);
  CHECK(*theirs == mine);
  CHECK(wire::digest_of(*theirs) == wire::digest_of(mine));
}

TEST_SUITE_END();
