// The message types the wire fuzz targets decode their input as, one of
// each shape a decoder treats differently:
// - fuzz::pod, "fuzz.pod": trivially copyable, 32 bytes with no padding (the
//   binary format's one-memcpy fast path, which must still reject bools other
//   than 0 and 1 and NaN);
// - fuzz::mixed, "fuzz.mixed": string, vector, optional, variant, map,
//   unordered_map, array, duration, enum, float, a nested pod and an actor
//   address;
// - fuzz::deep, "fuzz.deep": objects in maps in vectors in optionals,
//   vectors of vectors of vectors (nesting depth and container lengths).
// Each type has a `tie()` of its fields, which `same` (same_value.hpp)
// compares; its inspect function lists the same fields. The corpus writer
// (corpus_writer.cpp) makes the seed inputs from the sample values in
// fuzz_samples.hpp.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <variant>
#include <vector>

#include <ringactor/actor_address.hpp>
#include <ringactor/inspect.hpp>
#include <ringactor/type_registry.hpp>

namespace fuzz {

enum class color : std::uint8_t { red, green, blue };

struct pod {
  std::int64_t id = 0;
  double price = 0;
  std::int32_t qty = 0;
  std::uint32_t flags = 0;
  float weight = 0;
  std::uint16_t kind = 0;
  color tint = color::red;
  bool urgent = false;

  auto tie() const { return std::tie(id, price, qty, flags, weight, kind, tint, urgent); }
};
static_assert(sizeof(pod) == 32, "fuzz::pod must be the 32-byte padding-free fast-path case");

template <class Inspector>
bool inspect(Inspector& f, pod& x) {
  return f.object(x).fields(f.field("id", x.id), f.field("price", x.price), f.field("qty", x.qty),
                            f.field("flags", x.flags), f.field("weight", x.weight),
                            f.field("kind", x.kind), f.field("tint", x.tint),
                            f.field("urgent", x.urgent));
}

RINGACTOR_TYPE(pod, "fuzz.pod")

struct mixed {
  std::string name;
  std::vector<std::int32_t> values;
  std::optional<std::string> note;
  std::variant<std::int64_t, std::string, double, pod> choice;
  std::map<std::string, std::int32_t> counts;
  std::unordered_map<std::uint32_t, bool> seen;
  std::array<std::uint16_t, 3> triple{};
  std::chrono::milliseconds timeout{0};
  color tint = color::red;
  float ratio = 0;
  pod inner;
  ringactor::actor_address sender;

  auto tie() const {
    return std::tie(name, values, note, choice, counts, seen, triple, timeout, tint, ratio, inner,
                    sender.node, sender.id);
  }
};

template <class Inspector>
bool inspect(Inspector& f, mixed& x) {
  return f.object(x).fields(f.field("name", x.name), f.field("values", x.values),
                            f.field("note", x.note), f.field("choice", x.choice),
                            f.field("counts", x.counts), f.field("seen", x.seen),
                            f.field("triple", x.triple), f.field("timeout", x.timeout),
                            f.field("tint", x.tint), f.field("ratio", x.ratio),
                            f.field("inner", x.inner), f.field("sender", x.sender));
}

RINGACTOR_TYPE(mixed, "fuzz.mixed")

struct leaf {
  std::optional<std::vector<std::variant<std::string, std::int16_t, bool>>> items;
  double weight = 0;

  auto tie() const { return std::tie(items, weight); }
};

template <class Inspector>
bool inspect(Inspector& f, leaf& x) {
  return f.object(x).fields(f.field("items", x.items), f.field("weight", x.weight));
}

RINGACTOR_TYPE(leaf, "fuzz.leaf")

struct branch {
  std::map<std::string, leaf> leaves;
  std::vector<std::vector<std::vector<std::uint8_t>>> cube;
  std::optional<leaf> spare;

  auto tie() const { return std::tie(leaves, cube, spare); }
};

template <class Inspector>
bool inspect(Inspector& f, branch& x) {
  return f.object(x).fields(f.field("leaves", x.leaves), f.field("cube", x.cube),
                            f.field("spare", x.spare));
}

RINGACTOR_TYPE(branch, "fuzz.branch")

struct deep {
  std::vector<branch> branches;
  std::map<std::int32_t, std::vector<std::optional<branch>>> index;
  std::uint64_t tag = 0;

  auto tie() const { return std::tie(branches, index, tag); }
};

template <class Inspector>
bool inspect(Inspector& f, deep& x) {
  return f.object(x).fields(f.field("branches", x.branches), f.field("index", x.index),
                            f.field("tag", x.tag));
}

RINGACTOR_TYPE(deep, "fuzz.deep")

/// Whether encoding a value always gives the same bytes: not for a type with
/// an unordered_map, whose iteration order depends on its insertion history.
template <class T>
inline constexpr bool deterministic_encoding = true;
template <>
inline constexpr bool deterministic_encoding<mixed> = false;

} // namespace fuzz
