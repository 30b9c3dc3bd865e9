// expect: actor_cast converts from an actor handle, actor_addr
// names: int
// Casting something that is not an actor reference fails to compile.
#include <ringactor/all.hpp>

using namespace ringactor;

actor misuse(int x) {
  return actor_cast<actor>(x);
}
