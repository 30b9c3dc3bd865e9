#include "schema_twin.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include <ringactor/type_registry.hpp>

// The same definitions as wire_test_types.hpp, written again (the stable
// names are given, not registered: this process has them registered).
namespace twin::same {

enum class color : std::uint8_t { red, green, blue };

struct point {
  std::int32_t x = 0;
  std::int32_t y = 0;
};
template <class Inspector>
bool inspect(Inspector& f, point& x) {
  return f.object(x).fields(f.field("x", x.x), f.field("y", x.y));
}
RINGACTOR_TYPE_NAME(point, "wire_test.point")

struct order {
  std::uint64_t id = 0;
  std::int32_t qty = 0;
  std::vector<std::string> tags;
};
template <class Inspector>
bool inspect(Inspector& f, order& x) {
  return f.object(x).fields(f.field("id", x.id), f.field("qty", x.qty), f.field("tags", x.tags));
}
RINGACTOR_TYPE_NAME(order, "wire_test.order")

struct everything {
  bool b = false;
  std::int8_t i8 = 0;
  std::uint16_t u16 = 0;
  std::int64_t i64 = 0;
  float f32 = 0;
  double f64 = 0;
  color c = color::red;
  std::string s;
  std::vector<std::int32_t> ints;
  std::vector<std::string> strs;
  std::array<point, 2> pts{};
  std::optional<std::string> maybe;
  std::optional<point> no_point;
  std::variant<std::int32_t, std::string, point> var;
  std::map<std::string, std::int32_t> m;
  std::unordered_map<std::uint32_t, point> um;
  std::chrono::milliseconds ms{0};
  std::chrono::duration<double> secs{0};
  ringactor::actor_address addr;
  ringactor::error err;
  point nested;
};
template <class Inspector>
bool inspect(Inspector& f, everything& x) {
  return f.object(x).fields(f.field("b", x.b), f.field("i8", x.i8), f.field("u16", x.u16),
                            f.field("i64", x.i64), f.field("f32", x.f32), f.field("f64", x.f64),
                            f.field("c", x.c), f.field("s", x.s), f.field("ints", x.ints),
                            f.field("strs", x.strs), f.field("pts", x.pts),
                            f.field("maybe", x.maybe), f.field("no_point", x.no_point),
                            f.field("var", x.var), f.field("m", x.m), f.field("um", x.um),
                            f.field("ms", x.ms), f.field("secs", x.secs), f.field("addr", x.addr),
                            f.field("err", x.err), f.field("nested", x.nested));
}
RINGACTOR_TYPE_NAME(everything, "wire_test.everything")

} // namespace twin::same

namespace twin::retyped {

struct order {
  std::uint64_t id = 0;
  std::int64_t qty = 0;
  std::vector<std::string> tags;
};
template <class Inspector>
bool inspect(Inspector& f, order& x) {
  return f.object(x).fields(f.field("id", x.id), f.field("qty", x.qty), f.field("tags", x.tags));
}
RINGACTOR_TYPE_NAME(order, "wire_test.order")

} // namespace twin::retyped

namespace twin::renamed {

struct order {
  std::uint64_t id = 0;
  std::int32_t qty = 0;
  std::vector<std::string> labels;
};
template <class Inspector>
bool inspect(Inspector& f, order& x) {
  return f.object(x).fields(f.field("id", x.id), f.field("qty", x.qty),
                            f.field("labels", x.labels));
}
RINGACTOR_TYPE_NAME(order, "wire_test.order")

} // namespace twin::renamed

namespace twin::nested {

struct point {
  std::int32_t x = 0;
  double y = 0;
};
template <class Inspector>
bool inspect(Inspector& f, point& x) {
  return f.object(x).fields(f.field("x", x.x), f.field("y", x.y));
}
RINGACTOR_TYPE_NAME(point, "wire_test.point")

struct with_point {
  std::optional<point> where;
};
template <class Inspector>
bool inspect(Inspector& f, with_point& x) {
  return f.object(x).fields(f.field("where", x.where));
}
RINGACTOR_TYPE_NAME(with_point, "wire_test.with_point")

} // namespace twin::nested

namespace twin {

using ringactor::wire::schema_of;

ringactor::wire::type_schema same_order() {
  return schema_of<same::order>();
}
ringactor::wire::type_schema retyped_order() {
  return schema_of<retyped::order>();
}
ringactor::wire::type_schema renamed_order() {
  return schema_of<renamed::order>();
}
ringactor::wire::type_schema nested_changed() {
  return schema_of<nested::with_point>();
}
ringactor::wire::type_schema same_everything() {
  return schema_of<same::everything>();
}

} // namespace twin
