// expect: typed behavior has no handler for the message type
// names: interface_message_has_handler<reset, false>
// A typed behavior must handle every message its interface declares.
#include <ringactor/all.hpp>

using namespace ringactor;

struct add {
  int a, b;
};
struct reset {};

using adder = typed_actor<result<int>(add), result<void>(reset)>;

adder::behavior_type adder_impl(adder::pointer) {
  return {[](add m) { return m.a + m.b; }};
}
