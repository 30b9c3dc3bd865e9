// expect: a message type of a registered service needs a stable wire name
// names: unnamed_msg
// A message type without RINGACTOR_TYPE cannot be served: the registry
// could not route a JSON call to it by name.
#include <cstdint>

#include <ringactor/service/registry.hpp>

struct unnamed_msg {
  std::int32_t x = 0;
};

template <class Inspector>
bool inspect(Inspector& f, unnamed_msg& m) {
  return f.object(m).fields(f.field("x", m.x));
}

using iface = ringactor::typed_actor<ringactor::result<std::int32_t>(unnamed_msg)>;

void f(ringactor::service::registry& reg, const iface& h) {
  reg.add<iface>("x", h);
}
