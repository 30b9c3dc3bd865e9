// expect: calls ctx.reply() with the type named second
// names: kernel_reply_matches_interface_response<ping, int, void, false>
// A handler whose interface answers result<void> must not reply with a
// value: the requester waits for unit, and the value would be dropped.
#include <ringactor/gpu/kernel_actor.hpp>

struct ping {
  int value;
};

struct pinger {
  using inputs = ringactor::message_list<ping>;

  template <class Ctx>
  RINGACTOR_DEVICE void handle(Ctx& ctx, const ping& m) const {
    ctx.reply(m.value);
  }
};

using pinger_if = ringactor::typed_actor<ringactor::result<void>(ping)>;

pinger_if misuse(ringactor::actor_system& sys) {
  return ringactor::spawn_kernel<pinger_if>(sys, pinger{});
}
