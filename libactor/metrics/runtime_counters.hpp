// ringactor (private): the runtime's own event counts that are not kept by
// the scheduler itself: request outcomes and rejected messages. On a
// worker thread they go to that worker's counters (a plain store to a
// worker-local line); elsewhere (scoped actors, foreign threads) to shared
// relaxed atomics, which only these colder threads touch.
#pragma once

#include <atomic>
#include <cstdint>

#include "ringactor/error.hpp"
#include "ringactor/mailbox_element.hpp"
#include "../scheduler.hpp"
#include "ringactor/detail/runtime_metrics_switch.hpp"

namespace ringactor::detail {

struct system_core;

/// Counts of threads that are not the scheduler's workers. Relaxed
/// fetch_add here, relaxed loads in the collector (statistics only).
struct off_worker_counters {
  std::atomic<uint64_t> requests[request_outcomes];
  std::atomic<uint64_t> rejected{0};
};

/// The outcome of a request whose handler gets `x` (the response) or
/// `err` (an error raised locally: a timeout).
request_outcome classify_response(mailbox_element* x, const error* err) noexcept;

/// Counts a completed request (the requester's handler is about to run).
void count_request(system_core& core, request_outcome outcome) noexcept;

/// Counts a message that a closed mailbox refused.
void count_rejected(system_core& core) noexcept;

// What the messaging code calls: nothing in a build with
// -Druntime_metrics=false (RINGACTOR_RUNTIME_METRICS=0).

/// A request completes: its handler gets `x` or `err`.
inline void note_request(system_core& core, mailbox_element* x, const error* err) noexcept {
#if RINGACTOR_RUNTIME_METRICS
  count_request(core, classify_response(x, err));
#else
  (void) core, (void) x, (void) err;
#endif
}

/// A closed mailbox refused a message.
inline void note_rejected(system_core& core) noexcept {
#if RINGACTOR_RUNTIME_METRICS
  count_rejected(core);
#else
  (void) core;
#endif
}

} // namespace ringactor::detail
