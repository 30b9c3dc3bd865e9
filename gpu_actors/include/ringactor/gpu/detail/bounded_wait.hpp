// ringactor: a condition-variable wait bounded by a configured timeout that
// may be "forever" (nanoseconds::max() turns a watchdog off).
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace ringactor::detail {

/// Longer than any real timeout, short enough to add to a steady_clock now().
inline constexpr std::chrono::nanoseconds unbounded_wait = std::chrono::hours{24 * 365 * 100};

/// cv.wait_for(lock, timeout, done), except that a timeout too long to add
/// to now() waits without bound: wait_for would overflow its deadline and
/// give up at once. Returns done().
template <class Predicate>
bool wait_at_most(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                  std::chrono::nanoseconds timeout, Predicate done) {
  if (timeout >= unbounded_wait) {
    cv.wait(lock, done);
    return true;
  }
  return cv.wait_for(lock, timeout, done);
}

} // namespace ringactor::detail
