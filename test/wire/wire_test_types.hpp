// The message types the wire suite writes and reads: one of every field kind.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include <ringactor/all.hpp>
#include <ringactor/type_registry.hpp>

namespace wire_test {

enum class color : std::uint8_t { red, green, blue };

struct point {
  std::int32_t x = 0;
  std::int32_t y = 0;
  friend bool operator==(const point&, const point&) = default;
};

template <class Inspector>
bool inspect(Inspector& f, point& x) {
  return f.object(x).fields(f.field("x", x.x), f.field("y", x.y));
}
RINGACTOR_TYPE(point, "wire_test.point")

/// A trivially copyable type with no padding: the memcpy fast path.
struct pod {
  std::uint64_t id = 0;
  double price = 0;
  std::int32_t qty = 0;
  float weight = 0;
  bool urgent = false;
  color tint = color::red;
  std::array<std::int16_t, 3> dims{};
  friend bool operator==(const pod&, const pod&) = default;
};

template <class Inspector>
bool inspect(Inspector& f, pod& x) {
  return f.object(x).fields(f.field("id", x.id), f.field("price", x.price), f.field("qty", x.qty),
                            f.field("weight", x.weight), f.field("urgent", x.urgent),
                            f.field("tint", x.tint), f.field("dims", x.dims));
}
RINGACTOR_TYPE(pod, "wire_test.pod", "wire_test")

/// One field of every kind.
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
RINGACTOR_TYPE(everything, "wire_test.everything", "wire_test")

/// The example message.
struct order {
  std::uint64_t id = 0;
  std::int32_t qty = 0;
  std::vector<std::string> tags;
  friend bool operator==(const order&, const order&) = default;
};

template <class Inspector>
bool inspect(Inspector& f, order& x) {
  return f.object(x).fields(f.field("id", x.id), f.field("qty", x.qty), f.field("tags", x.tags));
}
RINGACTOR_TYPE(order, "wire_test.order", "wire_test")

/// A recursive type: what a nesting bomb is made of.
struct tree {
  std::vector<tree> children;
};

template <class Inspector>
bool inspect(Inspector& f, tree& x) {
  return f.object(x).fields(f.field("children", x.children));
}
RINGACTOR_TYPE(tree, "wire_test.tree")

} // namespace wire_test
