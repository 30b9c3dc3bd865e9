// Sample values of the fuzz types: what the seed corpora encode
// (corpus_writer.cpp). Each sample is named; its files are named after it.
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz_types.hpp"

namespace fuzz {

template <class T>
struct sample {
  std::string_view name;
  T value;
};

inline std::vector<sample<pod>> pod_samples() {
  return {
    {"pod_zero", pod{}},
    {"pod_typical", pod{42, 9.5, -3, 0xffu, 1.25f, 7, color::blue, true}},
    {"pod_extremes",
     pod{std::numeric_limits<std::int64_t>::min(), -0.0, std::numeric_limits<std::int32_t>::max(),
         std::numeric_limits<std::uint32_t>::max(), std::numeric_limits<float>::denorm_min(),
         std::numeric_limits<std::uint16_t>::max(), color::green, false}},
  };
}

inline std::vector<sample<mixed>> mixed_samples() {
  mixed full;
  full.name = "order \xc3\xa9t\xc3\xa9 \xe2\x82\xac"; // UTF-8: "order été €"
  full.values = {1, -2, 3, 1 << 30, -(1 << 30), 0, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  full.note = "rush";
  full.choice = std::string{"express"};
  full.counts = {{"apples", 3}, {"pears", -1}, {"", 0}};
  full.seen = {{1u, true}, {2u, false}};
  full.triple = {1, 2, 65535};
  full.timeout = std::chrono::milliseconds{1500};
  full.tint = color::green;
  full.ratio = 0.5f;
  full.inner = pod{7, 1.5, 2, 3, 4.0f, 5, color::red, true};
  full.sender = ringactor::actor_address{3, 99};
  mixed with_pod = full;
  with_pod.choice = pod{1, 2.0, 3, 4, 5.0f, 6, color::blue, false};
  with_pod.note.reset();
  mixed with_double;
  with_double.choice = 2.718281828459045;
  return {{"mixed_empty", mixed{}},
          {"mixed_full", full},
          {"mixed_pod_choice", with_pod},
          {"mixed_double_choice", with_double}};
}

inline std::vector<sample<leaf>> leaf_samples() {
  leaf full;
  full.items = std::vector<std::variant<std::string, std::int16_t, bool>>{
    std::string{"a"}, std::int16_t{-5}, true, std::string{}};
  full.weight = 0.25;
  return {{"leaf_empty", leaf{}}, {"leaf_full", full}};
}

inline std::vector<sample<branch>> branch_samples() {
  branch full;
  full.leaves["x"] = leaf_samples()[1].value;
  full.leaves["y"] = leaf{};
  full.cube = {{{1, 2}, {}}, {{3}}, {}};
  full.spare = leaf{std::nullopt, -1.0};
  return {{"branch_empty", branch{}}, {"branch_full", full}};
}

inline std::vector<sample<deep>> deep_samples() {
  auto b = branch_samples()[1].value;
  deep full;
  full.branches = {b, branch{}, b};
  full.index[-1] = {std::nullopt, b};
  full.index[5] = {};
  full.tag = std::numeric_limits<std::uint64_t>::max();
  return {{"deep_empty", deep{}}, {"deep_full", full}};
}

} // namespace fuzz
