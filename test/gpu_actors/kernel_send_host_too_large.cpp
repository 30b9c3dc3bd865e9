// expect: cannot travel to the host
// names: big_report
// What a kernel sends to the host must fit its ring slot: a type that cannot
// is a compile error, not a send that returns false at run time.
#include <ringactor/gpu/cpu_backend.hpp>
#include <ringactor/gpu/kernel_context.hpp>

struct go {
  std::uint64_t receiver;
};
struct big_report {
  char bytes[512]; // the default slot (256 bytes) holds 192
};

struct reporter {
  using inputs = ringactor::message_list<go>;
  using outputs = ringactor::message_list<big_report>;
  template <class Ctx>
  RINGACTOR_DEVICE void handle(Ctx& ctx, const go& m) const {
    (void) ctx.send_host(m.receiver, big_report{});
  }
};

// The handler instantiated with the context the CPU backend gives it.
using ctx = ringactor::kernel_context<reporter, ringactor::detail::cpu_sequential_grid>;
void misuse(ctx& c) {
  reporter{}.handle(c, go{1});
}
