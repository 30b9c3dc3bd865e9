// expect: a message published to a topic needs a JSON form
// names: opaque_event
// A type with a stable name but without inspect() cannot be published.
#include <ringactor/topic.hpp>
#include <ringactor/type_registry.hpp>

namespace fail_test {

struct opaque_event {
  void* p = nullptr;
};
RINGACTOR_TYPE_NAME(opaque_event, "fail_test.opaque_event")

void f(ringactor::topic& t) {
  (void) t.publish(opaque_event{});
}

} // namespace fail_test
