// CAF 0.17's side of the wire benchmarks: caf::binary_serializer and
// caf::binary_deserializer on the types of wire_types.hpp, described with
// CAF 0.17's inspect style.
#include <cstdlib>
#include <vector>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/meta/type_name.hpp>

#include "wire_sides.hpp"

namespace wire_bench {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pod& x) {
  return f(caf::meta::type_name("pod"), x.id, x.price, x.qty, x.flags, x.weight, x.kind, x.tint,
           x.urgent);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, mixed& x) {
  return f(caf::meta::type_name("mixed"), x.name, x.values);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, entry& x) {
  return f(caf::meta::type_name("entry"), x.samples, x.labels);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, nested& x) {
  return f(caf::meta::type_name("nested"), x.entries);
}

namespace {

/// As ringactor's side: one reused buffer, a fresh value per decode. CAF's
/// serializers take non-const references; saving does not modify x.
template <class T>
result measure(T original, const timing& t) {
  std::vector<char> buf;
  {
    caf::binary_serializer sink{nullptr, buf};
    if (sink(original))
      return {};
  }
  T check;
  caf::binary_deserializer source{nullptr, buf};
  if (source(check) || !(check == original))
    return {};
  result r;
  r.ok = true;
  r.serialize_ns = ns_per_op(t, [&] {
    buf.clear();
    caf::binary_serializer sink{nullptr, buf};
    if (sink(original))
      std::abort();
    keep(buf.data());
  });
  r.deserialize_ns = ns_per_op(t, [&] {
    T y;
    caf::binary_deserializer source{nullptr, buf};
    if (source(y))
      std::abort();
    keep(&y);
  });
  return r;
}

} // namespace

result caf_pod(const timing& t) {
  return measure(make_pod(), t);
}

result caf_mixed(const timing& t) {
  return measure(make_mixed(), t);
}

result caf_nested(const timing& t) {
  return measure(make_nested(), t);
}

} // namespace wire_bench
