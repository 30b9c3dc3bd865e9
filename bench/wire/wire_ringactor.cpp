// ringactor's side of the wire benchmarks: the binary format
// (ringactor/binary_format.hpp) on the types of wire_types.hpp, described
// with ringactor's inspect protocol and registered under stable names; and
// in a build with the JSON format, its encode and decode throughput.
#include <cstddef>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include <ringactor/binary_format.hpp>
#include <ringactor/type_registry.hpp>
#if RINGACTOR_HAS_JSON
#  include <ringactor/json_format.hpp>
#endif

#include "wire_sides.hpp"

namespace wire_bench {

template <class Inspector>
bool inspect(Inspector& f, pod& x) {
  return f.object(x).fields(f.field("id", x.id), f.field("price", x.price), f.field("qty", x.qty),
                            f.field("flags", x.flags), f.field("weight", x.weight),
                            f.field("kind", x.kind), f.field("tint", x.tint),
                            f.field("urgent", x.urgent));
}
RINGACTOR_TYPE(pod, "bench.wire_pod")

template <class Inspector>
bool inspect(Inspector& f, mixed& x) {
  return f.object(x).fields(f.field("name", x.name), f.field("values", x.values));
}
RINGACTOR_TYPE(mixed, "bench.wire_mixed")

template <class Inspector>
bool inspect(Inspector& f, entry& x) {
  return f.object(x).fields(f.field("samples", x.samples), f.field("labels", x.labels));
}
RINGACTOR_TYPE(entry, "bench.wire_entry")

template <class Inspector>
bool inspect(Inspector& f, nested& x) {
  return f.object(x).fields(f.field("entries", x.entries));
}
RINGACTOR_TYPE(nested, "bench.wire_nested")

namespace {

/// Serializes into one reused buffer, as a send path would; deserializes
/// into a fresh value each time, as a receive path would.
template <class T>
result measure(const T& original, const timing& t) {
  std::vector<std::byte> buf;
  if (!ringactor::to_bytes(original, buf))
    return {};
  T check;
  if (!ringactor::from_bytes(std::span<const std::byte>{buf}, check) || !(check == original))
    return {};
  result r;
  r.ok = true;
  r.serialize_ns = ns_per_op(t, [&] {
    buf.clear();
    if (!ringactor::to_bytes(original, buf))
      std::abort();
    keep(buf.data());
  });
  r.deserialize_ns = ns_per_op(t, [&] {
    T y;
    if (!ringactor::from_bytes(std::span<const std::byte>{buf}, y))
      std::abort();
    keep(&y);
  });
  return r;
}

} // namespace

result ringactor_pod(const timing& t) {
  return measure(make_pod(), t);
}

result ringactor_mixed(const timing& t) {
  return measure(make_mixed(), t);
}

result ringactor_nested(const timing& t) {
  return measure(make_nested(), t);
}

json_result ringactor_json(const timing& t) {
  json_result r;
#if RINGACTOR_HAS_JSON
  auto original = make_nested();
  std::string text;
  if (!ringactor::append_json(text, original))
    return r;
  nested check;
  if (!ringactor::from_json(text, check) || !(check == original))
    return r;
  r.available = true;
  r.ok = true;
  auto encode_ns = ns_per_op(t, [&] {
    text.clear();
    if (!ringactor::append_json(text, original))
      std::abort();
    keep(text.data());
  });
  auto decode_ns = ns_per_op(t, [&] {
    nested y;
    if (!ringactor::from_json(text, y))
      std::abort();
    keep(&y);
  });
  // bytes per ns = GB/s; x 1000 = MB/s.
  r.encode_mb_s = static_cast<double>(text.size()) / encode_ns * 1e3;
  r.decode_mb_s = static_cast<double>(text.size()) / decode_ns * 1e3;
#else
  (void) t;
#endif
  return r;
}

} // namespace wire_bench
