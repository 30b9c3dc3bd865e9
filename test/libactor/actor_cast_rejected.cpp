// expect: actor_cast<Interface>(self) needs a self pointer of that interface
// names: To = typed_actor<result<int>(add)>
// An untyped self pointer does not become a typed handle.
#include <ringactor/all.hpp>

using namespace ringactor;

struct add {
  int a, b;
};

using calculator = typed_actor<result<int>(add)>;

calculator misuse(event_based_actor* self) {
  return actor_cast<calculator>(self);
}
