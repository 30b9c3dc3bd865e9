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
  auto shared = core().actor_metrics.find(name());
  if (shared == nullptr)
    return;
  auto m = std::make_unique<detail::metered_mailbox>(*shared);
  // Release: pairs with the acquire load in enqueue (the children behind
  // `shared` were created under the table's lock before). Owned from here
  // on through metrics_ (see the destructor).
  metrics_.store(m.release(), std::memory_order_release);
}

void scheduled_actor::handle_metered(mailbox_element_ptr x, detail::sender_release_batch* senders,
                                     detail::metered_mailbox& m) {
  auto start = clock::now().time_since_epoch().count();
  // Taken out of the stamps: a skipped message that comes back is not
  // counted twice.
  if (auto enqueued = m.take(x.get()); enqueued >= 0)
    m.shared().mailbox_time->observe(seconds_between(enqueued, start));
  handle_message(std::move(x), senders);
  m.shared().processing_time->observe(seconds_between(start,
                                                      clock::now().time_since_epoch().count()));
}

void scheduled_actor::unmeter(mailbox_element* chain) noexcept {
  if (auto m = metrics_.load(std::memory_order_relaxed))
    m->forget(chain);
}

} // namespace ringactor

#endif
