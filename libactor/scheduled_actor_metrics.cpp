// The opt-in per-type actor metrics of scheduled actors (see
// actor_system_config::actor_metrics_includes). Only metered actors come
// here; the others pay one branch on metrics_ per message.
#include "ringactor/scheduled_actor.hpp"

#if RINGACTOR_RUNTIME_METRICS

#  include "metrics/actor_metrics.hpp"
#  include "system_core.hpp"

namespace ringactor {

namespace {

double seconds_between(int64_t from_ns, int64_t to_ns) noexcept {
  return static_cast<double>(to_ns - from_ns) * 1e-9;
}

} // namespace

void scheduled_actor::resolve_metrics() {
  // Release: pairs with the acquire load in enqueue (the children behind
  // the pointer were created under the table's lock before).
  metrics_.store(core().actor_metrics.find(name()), std::memory_order_release);
}

void scheduled_actor::handle_metered(mailbox_element_ptr x, detail::sender_release_batch* senders,
                                     const detail::actor_metrics& m) {
  auto start = clock::now().time_since_epoch().count();
  if (x->enqueued_ns != 0) {
    m.mailbox_size->dec();
    m.mailbox_time->observe(seconds_between(x->enqueued_ns, start));
    // Out of the mailbox: a skipped message that comes back is not
    // counted twice.
    x->enqueued_ns = 0;
  }
  handle_message(std::move(x), senders);
  m.processing_time->observe(seconds_between(start, clock::now().time_since_epoch().count()));
}

void scheduled_actor::unmeter(mailbox_element* chain) noexcept {
  auto m = metrics_.load(std::memory_order_relaxed);
  if (m == nullptr)
    return;
  int64_t n = 0;
  for (auto x = chain; x != nullptr; x = x->next)
    if (x->enqueued_ns != 0)
      ++n;
  m->mailbox_size->dec(n);
}

} // namespace ringactor

#endif
