// The message types of the JSON tests (beside wire_test_types.hpp, which
// has one field of every kind).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <ringactor/all.hpp>
#include <ringactor/type_registry.hpp>

#include "wire_test_types.hpp"

namespace json_test {

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
RINGACTOR_TYPE(order, "json_test.order", "json_test")

/// Floats, optionals, variants and maps in one type, for bad input.
struct reading {
  double value = 0;
  float gain = 0;
  std::optional<std::int32_t> note;
  std::variant<std::int32_t, std::string, wire_test::point> tag;
  std::map<std::int16_t, std::string> names;
  std::map<std::string, std::uint8_t> levels;
  friend bool operator==(const reading&, const reading&) = default;
};

template <class Inspector>
bool inspect(Inspector& f, reading& x) {
  return f.object(x).fields(f.field("value", x.value), f.field("gain", x.gain),
                            f.field("note", x.note), f.field("tag", x.tag),
                            f.field("names", x.names), f.field("levels", x.levels));
}
RINGACTOR_TYPE(reading, "json_test.reading", "json_test")

/// A type nested in itself, for depth limits on writing.
struct tree {
  std::vector<tree> children;
};

template <class Inspector>
bool inspect(Inspector& f, tree& x) {
  return f.object(x).fields(f.field("children", x.children));
}

} // namespace json_test
