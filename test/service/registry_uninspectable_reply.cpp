// expect: a message or reply type of a registered service needs a JSON form
// names: opaque_reply
// A reply type without inspect() has no JSON form.
#include <cstdint>

#include <ringactor/service/registry.hpp>
#include <ringactor/type_registry.hpp>

namespace fail_test {

struct ask {
  std::int32_t x = 0;
};

template <class Inspector>
bool inspect(Inspector& f, ask& m) {
  return f.object(m).fields(f.field("x", m.x));
}
RINGACTOR_TYPE_NAME(ask, "fail_test.ask")

struct opaque_reply {
  void* p = nullptr;
};

using iface = ringactor::typed_actor<ringactor::result<opaque_reply>(ask)>;

void f(ringactor::service::registry& reg, const iface& h) {
  reg.add<iface>("x", h);
}

} // namespace fail_test
