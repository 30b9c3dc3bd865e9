// ringactor (internal): the deadlines of an actor system's callback requests
// (callback_request.hpp), in one list ordered by deadline with one timer
// armed at a time.
//
// A request's deadline is nearly always later than every deadline before it
// (the same timeout, later), so an insertion is an append; a mixed timeout
// walks back from the tail. A request that completes unlinks itself (O(1)),
// so the list holds only requests still waiting, and the timer thread wakes
// once per tick for every request due in it, not once per request.
#pragma once

#include <chrono>
#include <mutex>

#include "ringactor/error.hpp"
#include "timer_service.hpp"

namespace ringactor::detail {

class callback_sink;

class request_deadlines {
public:
  using clock = std::chrono::steady_clock;

  explicit request_deadlines(timer_service& timer) : timer_(timer) {}
  request_deadlines(const request_deadlines&) = delete;
  request_deadlines& operator=(const request_deadlines&) = delete;
  /// Drops the list's references (no callback runs: fail_all() ran at
  /// shutdown, and the timer that would call expire() is gone).
  ~request_deadlines();

  /// Links `s` (taking a strong reference) to fail at `deadline`.
  void add(callback_sink& s, clock::time_point deadline);
  /// Unlinks `s` if it is linked; its reference is released outside the lock.
  void remove(callback_sink& s) noexcept;
  /// Completes every linked request with `err` (the system shuts down).
  void fail_all(const error& err);
  /// Requests waiting for their deadline now.
  size_t size() const;

private:
  void arm(clock::time_point when); // with mtx_ held
  void expire();                    // the timer's action
  /// Unlinks `s`; returns whether it was linked. With mtx_ held.
  bool unlink(callback_sink& s) noexcept;

  timer_service& timer_;
  mutable std::mutex mtx_;
  callback_sink* head_ = nullptr; // the earliest deadline
  callback_sink* tail_ = nullptr;
  size_t size_ = 0;
  // The earliest timer entry armed and not yet run (max: none).
  clock::time_point armed_ = clock::time_point::max();
};

} // namespace ringactor::detail
