// expect: interface has no handler for the message type
// names: message_accepted_by_interface<not_in_interface, false>
// anon_send checks a typed handle's interface as send does.
#include <ringactor/all.hpp>

using namespace ringactor;

struct add {
  int a, b;
};
struct not_in_interface {
  int x;
};

using adder = typed_actor<result<int>(add)>;

void misuse(const adder& a) {
  anon_send(a, not_in_interface{1});
}
