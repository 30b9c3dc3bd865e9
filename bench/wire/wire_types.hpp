// The message types of the wire benchmarks (issue 19), shared by both
// sides: each side adds its own inspect function in its own translation
// unit (wire_ringactor.cpp: ringactor's protocol, wire_caf.cpp: CAF 0.17's),
// so the two never meet in one overload set.
//   wire_pod:    a trivially copyable 32-byte struct, no padding
//   wire_mixed:  a std::string and a std::vector<std::int32_t> of 16
//   wire_nested: a map of 8 string keys to {vector<double> of 8,
//                map<int32_t, string> of 4}
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace wire_bench {

struct pod {
  std::int64_t id = 0;
  double price = 0;
  std::int32_t qty = 0;
  std::uint32_t flags = 0;
  float weight = 0;
  std::uint16_t kind = 0;
  std::uint8_t tint = 0;
  bool urgent = false;

  friend bool operator==(const pod&, const pod&) = default;
};
static_assert(sizeof(pod) == 32);

struct mixed {
  std::string name;
  std::vector<std::int32_t> values;

  friend bool operator==(const mixed&, const mixed&) = default;
};

struct entry {
  std::vector<double> samples;
  std::map<std::int32_t, std::string> labels;

  friend bool operator==(const entry&, const entry&) = default;
};

struct nested {
  std::map<std::string, entry> entries;

  friend bool operator==(const nested&, const nested&) = default;
};

/// The values every side encodes: the same bytes of payload for each.
pod make_pod();
mixed make_mixed();
nested make_nested();

} // namespace wire_bench
