// mailbox (CAF's mailbox_performance): S sender actors each send M messages to
// one receiver as fast as they can; the receiver counts S * M and reports back.
//
// A ringactor actor runs its initialization in the thread that spawns it (here
// main), so a sender that sent from its initialization would make main the
// only producer. Each sender sends from its first handler instead: the S
// senders run on the scheduler's workers, concurrently with the receiver, as
// CAF's do.
#include <chrono>

#include "ringactor_support.hpp"

using namespace ringactor;

namespace ringactor_bench {

namespace {

struct start_sending {};
struct payload {};
struct done {
  std::uint64_t received;
};

struct receiver_state {
  std::uint64_t received = 0;
};

behavior receiver(stateful_actor<receiver_state>* self, std::uint64_t expected, actor done_to) {
  return {
    [=](payload) {
      if (++self->state.received == expected) {
        self->send(done_to, done{self->state.received});
        self->quit();
      }
    },
  };
}

behavior sender(event_based_actor* self, actor whom, std::uint64_t count) {
  return {
    [=](start_sending) {
      for (std::uint64_t i = 0; i < count; ++i)
        self->send(whom, payload{});
      self->quit();
    },
  };
}

} // namespace

int mailbox(const bench::options& opts, bench::reporter& out) {
  auto sizes = bench::sizes_for(opts.scale, opts.large);
  auto total = sizes.mailbox_senders * sizes.mailbox_messages_per_sender;
  actor_system sys{make_config(opts)};
  scoped_actor self{sys};
  std::uint64_t received = 0;
  auto start = std::chrono::steady_clock::now();
  auto testee = sys.spawn(receiver, total, self.as_actor());
  for (std::uint64_t i = 0; i < sizes.mailbox_senders; ++i)
    self->send(sys.spawn(sender, testee, sizes.mailbox_messages_per_sender), start_sending{});
  self->receive([&](done d) { received = d.received; });
  std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  out.emit("mailbox", "messages_per_s", static_cast<double>(total) / elapsed.count(), "1/s");
  out.emit("mailbox", "total_ms", elapsed.count() * 1e3, "ms");
  out.emit("mailbox", "count", static_cast<double>(received), "messages");
  return check_count("mailbox", total, received);
}

} // namespace ringactor_bench
