// expect: interface has no handler for the message type
// names: message_accepted_by_interface<not_in_interface, false>
// A typed handle rejects, at compile time, a message its interface lacks.
#include <ringactor/all.hpp>

using namespace ringactor;

struct add {
  int a, b;
};
struct not_in_interface {
  int x;
};

using adder = typed_actor<result<int>(add)>;

void misuse(scoped_actor& self, const adder& a) {
  self->send(a, not_in_interface{1});
}
