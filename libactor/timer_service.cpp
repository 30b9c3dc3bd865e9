#include "timer_service.hpp"

namespace ringactor::detail {

void timer_service::start() {
  thread_ = std::thread{[this] { run(); }};
}

void timer_service::schedule(clock::time_point when, action f) {
  bool wake = false;
  {
    std::lock_guard guard{mtx_};
    if (stop_)
      return;
    wake = queue_.empty() || when < queue_.top().when;
    queue_.push(entry{when, seq_++, std::move(f)});
  }
  if (wake)
    cv_.notify_one();
}

void timer_service::stop() {
  {
    std::lock_guard guard{mtx_};
    if (stop_ && !thread_.joinable())
      return;
    stop_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable())
    thread_.join();
  std::priority_queue<entry, std::vector<entry>, std::greater<>> dropped;
  {
    std::lock_guard guard{mtx_};
    dropped.swap(queue_);
  }
  // Actions (and the messages they own) are destroyed outside the lock.
}

size_t timer_service::pending() const {
  std::lock_guard guard{mtx_};
  return queue_.size();
}

void timer_service::run() {
  std::unique_lock guard{mtx_};
  while (!stop_) {
    if (queue_.empty()) {
      cv_.wait(guard);
      continue;
    }
    auto when = queue_.top().when;
    if (clock::now() < when) {
      cv_.wait_until(guard, when);
      continue;
    }
    // priority_queue::top is const; the entry is moved out before pop.
    auto f = std::move(const_cast<entry&>(queue_.top()).f);
    queue_.pop();
    guard.unlock();
    f();
    guard.lock();
  }
}

} // namespace ringactor::detail
