// expect: the kernel does not accept this message type
// names: not_an_input
// Sending a kernel a message its `inputs` lack does not compile.
#include <ringactor/gpu/channel.hpp>
#include <ringactor/gpu/kernels/adder.hpp>

struct not_an_input {
  int x;
};

bool misuse(ringactor::kernel_channel& ch) {
  return ch.try_send_message<ringactor::kernels::adder>(not_an_input{1});
}
