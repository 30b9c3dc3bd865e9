// wire_bench: serialize and deserialize nanoseconds per message, ringactor's
// binary format against CAF 0.17's binary_serializer / binary_deserializer
// on the same types (wire_types.hpp), plus two memcpy floors for wire_pod:
// "memcpy" (two plain copies of 32 bytes) and "memcpy_vector" (a copy into a
// std::vector<std::byte> cleared and resized each time, and a size check
// and copy back on the way in: what a checked, buffer-growing API must do).
// One JSON line per benchmark and implementation:
//   {"bench":"wire_pod","impl":"ringactor","serialize_ns":8.1,"deserialize_ns":9.3}
// and, in a build with the JSON format, JSON throughput on wire_nested:
//   {"bench":"wire_json","impl":"ringactor","encode_mb_s":..,"decode_mb_s":..}
// Usage: wire_bench [--quick | --tiny]
//   --quick  repetitions of >= 0.05 s instead of >= 0.2 s
//   --tiny   a few calls each: checks that every side decodes what it
//            encoded (the bench test suite), timings meaningless
// Each side checks decoded == original before it times anything; a
// mismatch prints an error and the program exits with status 1.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "wire_sides.hpp"

namespace wire_bench {

pod make_pod() {
  return pod{0x0123456789abcdef, 1234.5, -42, 0xdeadbeef, 0.25f, 7, 3, true};
}

mixed make_mixed() {
  mixed x;
  x.name = "order-2026-12-06-0001"; // 21 bytes: past std::string's small buffer
  for (std::int32_t i = 0; i < 16; ++i)
    x.values.push_back(i * 1000 - 7000);
  return x;
}

nested make_nested() {
  nested x;
  for (int i = 0; i < 8; ++i) {
    entry e;
    for (int j = 0; j < 8; ++j)
      e.samples.push_back(i * 0.5 + j * 0.125);
    for (std::int32_t k = 0; k < 4; ++k)
      e.labels.emplace(k * 10 + i, fmt::format("label-{}-{}", i, k));
    x.entries.emplace(fmt::format("series-{:02}", i), std::move(e));
  }
  return x;
}

result memcpy_pod(const timing& t) {
  auto original = make_pod();
  std::vector<std::byte> buf(sizeof(pod));
  result r;
  r.serialize_ns = ns_per_op(t, [&] {
    keep(&original);
    std::memcpy(buf.data(), &original, sizeof(pod));
    keep(buf.data());
  });
  r.deserialize_ns = ns_per_op(t, [&] {
    pod y;
    std::memcpy(&y, buf.data(), sizeof(pod));
    keep(&y);
  });
  pod check;
  std::memcpy(&check, buf.data(), sizeof(pod));
  r.ok = check == original;
  return r;
}

/// The floor a checked, buffer-growing API can reach: serialize = clear and
/// resize a std::vector<std::byte> (as to_bytes appends to a reused buffer),
/// then memcpy; deserialize = check the size, memcpy into a fresh value.
result memcpy_vector_pod(const timing& t) {
  auto original = make_pod();
  std::vector<std::byte> buf;
  result r;
  r.serialize_ns = ns_per_op(t, [&] {
    keep(&original);
    buf.clear();
    buf.resize(sizeof(pod));
    std::memcpy(buf.data(), &original, sizeof(pod));
    keep(buf.data());
  });
  r.deserialize_ns = ns_per_op(t, [&] {
    keep(buf.data());
    if (buf.size() != sizeof(pod))
      std::abort();
    pod y;
    std::memcpy(&y, buf.data(), sizeof(pod));
    keep(&y);
  });
  pod check;
  std::memcpy(&check, buf.data(), sizeof(pod));
  r.ok = buf.size() == sizeof(pod) && check == original;
  return r;
}

} // namespace wire_bench

namespace {

int report(std::string_view bench, std::string_view impl, const wire_bench::result& r) {
  if (!r.ok) {
    fmt::print(stderr, "wire_bench: {} {}: the decoded value differs from the original\n", bench,
               impl);
    return 1;
  }
  fmt::print(
    "{{\"bench\":\"{}\",\"impl\":\"{}\",\"serialize_ns\":{:.2f},\"deserialize_ns\":{:.2f}}}\n",
    bench, impl, r.serialize_ns, r.deserialize_ns);
  std::fflush(stdout);
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  wire_bench::timing t;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg{argv[i]};
    if (arg == "--quick") {
      t.min_seconds = 0.05;
      t.repetitions = 3;
    } else if (arg == "--tiny") {
      t.min_seconds = 0;
      t.repetitions = 1;
      t.max_iterations = 4;
    } else {
      fmt::print(stderr, "usage: wire_bench [--quick | --tiny]\n");
      return 2;
    }
  }
  using namespace wire_bench;
  int failures = 0;
  failures += report("wire_pod", "ringactor", ringactor_pod(t));
  failures += report("wire_pod", "caf", caf_pod(t));
  failures += report("wire_pod", "memcpy", memcpy_pod(t));
  failures += report("wire_pod", "memcpy_vector", memcpy_vector_pod(t));
  failures += report("wire_mixed", "ringactor", ringactor_mixed(t));
  failures += report("wire_mixed", "caf", caf_mixed(t));
  failures += report("wire_nested", "ringactor", ringactor_nested(t));
  failures += report("wire_nested", "caf", caf_nested(t));
  if (auto json = ringactor_json(t); json.available && json.ok) {
    fmt::print("{{\"bench\":\"wire_json\",\"impl\":\"ringactor\",\"encode_mb_s\":{:.1f},"
               "\"decode_mb_s\":{:.1f}}}\n",
               json.encode_mb_s, json.decode_mb_s);
  } else if (json.available) {
    fmt::print(stderr, "wire_bench: wire_json: the decoded value differs from the original\n");
    ++failures;
  }
  return failures == 0 ? 0 : 1;
}
