// ringactor service: one thread that runs callbacks at their deadlines, for
// the layers that know no transport and so cannot borrow the server's
// io_context (request_timeout, concurrency_limit's wait queue). Not
// installed: a detail of the layers.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>
#include <utility>

namespace ringactor::service::detail {

class deadline_thread {
public:
  using clock = std::chrono::steady_clock;
  /// A callback's deadline and a number that makes it unique; callbacks
  /// with one deadline run in the order they were added.
  using key = std::pair<clock::time_point, std::uint64_t>;

  deadline_thread();
  /// Stops the thread; the callbacks not run yet are dropped. Safe on the
  /// thread itself (a callback that drops the last owner): it detaches then.
  ~deadline_thread();
  deadline_thread(const deadline_thread&) = delete;
  deadline_thread& operator=(const deadline_thread&) = delete;

  /// Runs `fn` at `when` (outside any lock of this object).
  key add(clock::time_point when, std::function<void()> fn);
  /// Runs `fn` as soon as the callbacks due before it ran.
  key post(std::function<void()> fn) { return add(clock::now(), std::move(fn)); }
  /// Withdraws the callback of `k` if it has not run (nothing otherwise).
  void remove(const key& k);

private:
  struct state;
  static void run(std::shared_ptr<state> s);

  // Shared with the thread, so that a thread detached by the destructor
  // (above) never touches a destroyed object.
  std::shared_ptr<state> state_;
  std::thread worker_; // last: starts once state_ is built
};

} // namespace ringactor::service::detail
