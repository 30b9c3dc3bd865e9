// expect: is not routable; declare it with RINGACTOR_K2K_ROUTABLE
// names: message_type_is_routable<not_declared, false>
// A typed send through a broker rejects, at compile time, a message type that
// was not declared routable.
#include <ringactor/k2k/envelope.hpp>

struct not_declared {
  int x;
};

ringactor::k2k::send_msg misuse() {
  return ringactor::k2k::make_send("kernel-a", not_declared{1});
}
