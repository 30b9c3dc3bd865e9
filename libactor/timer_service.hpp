// ringactor (internal): one thread that runs actions at deadlines (delayed
// sends, request timeouts). It sleeps until the earliest deadline, so an
// idle system with no timers burns no CPU.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

namespace ringactor::detail {

class timer_service {
public:
  using clock = std::chrono::steady_clock;
  using action = std::function<void()>;

  timer_service() = default;
  timer_service(const timer_service&) = delete;
  timer_service& operator=(const timer_service&) = delete;
  ~timer_service() { stop(); }

  void start();
  /// Runs `f` on the timer thread at `when` (dropped if the service stops first).
  void schedule(clock::time_point when, action f);
  /// Stops the thread; pending actions are dropped.
  void stop();
  size_t pending() const;

private:
  struct entry {
    clock::time_point when;
    uint64_t seq; // FIFO among equal deadlines
    action f;
    bool operator>(const entry& other) const noexcept {
      return when != other.when ? when > other.when : seq > other.seq;
    }
  };

  void run();

  mutable std::mutex mtx_;
  std::condition_variable cv_;
  std::priority_queue<entry, std::vector<entry>, std::greater<>> queue_;
  uint64_t seq_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

} // namespace ringactor::detail
