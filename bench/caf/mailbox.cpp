// mailbox (CAF's mailbox_performance): S sender actors each send M messages to
// one receiver as fast as they can; the receiver counts S * M and reports back.
#include <chrono>

#include "caf_support.hpp"

using namespace caf;

namespace caf_bench {

namespace {

struct receiver_state {
  std::uint64_t received = 0;
  static inline const char* name = "receiver";
};

behavior receiver(stateful_actor<receiver_state>* self, std::uint64_t expected, actor done_to) {
  return {
    [=](msg_atom) {
      if (++self->state.received == expected) {
        self->send(done_to, done_atom::value, self->state.received);
        self->quit();
      }
    },
  };
}

// Sends everything from its initialization and terminates: no behavior.
void sender(event_based_actor* self, actor whom, std::uint64_t count) {
  for (std::uint64_t i = 0; i < count; ++i)
    self->send(whom, msg_atom::value);
}

} // namespace

int mailbox(const bench::options& opts, bench::reporter& out) {
  auto sizes = bench::sizes_for(opts.scale, opts.large);
  auto total = sizes.mailbox_senders * sizes.mailbox_messages_per_sender;
  actor_system_config cfg;
  configure(cfg, opts);
  actor_system sys{cfg};
  scoped_actor self{sys};
  std::uint64_t received = 0;
  auto start = std::chrono::steady_clock::now();
  auto testee = sys.spawn(receiver, total, actor{self});
  for (std::uint64_t i = 0; i < sizes.mailbox_senders; ++i)
    sys.spawn(sender, testee, sizes.mailbox_messages_per_sender);
  self->receive([&](done_atom, std::uint64_t n) { received = n; });
  std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  out.emit("mailbox", "messages_per_s", static_cast<double>(total) / elapsed.count(), "1/s");
  out.emit("mailbox", "total_ms", elapsed.count() * 1e3, "ms");
  out.emit("mailbox", "count", static_cast<double>(received), "messages");
  return check_count("mailbox", total, received);
}

} // namespace caf_bench
