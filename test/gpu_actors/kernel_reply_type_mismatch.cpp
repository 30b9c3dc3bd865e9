// expect: calls ctx.reply() with the type named second
// names: kernel_reply_matches_interface_response<halve, float, int, false>
// A kernel's explicit ctx.reply() must send the interface's response type:
// the host reads the reply's bytes as that type, so a float read as an int
// would be a silent reinterpretation, not a value.
#include <ringactor/gpu/kernel_actor.hpp>

struct halve {
  int value;
};

struct halver {
  using inputs = ringactor::message_list<halve>;

  template <class Ctx>
  RINGACTOR_DEVICE void handle(Ctx& ctx, const halve& m) const {
    ctx.reply(static_cast<float>(m.value) / 2);
  }
};

using halver_if = ringactor::typed_actor<ringactor::result<int>(halve)>;

halver_if misuse(ringactor::actor_system& sys) {
  return ringactor::spawn_kernel<halver_if>(sys, halver{});
}
