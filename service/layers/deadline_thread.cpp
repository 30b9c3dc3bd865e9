// ringactor service: the layers' timer thread (layers/deadline_thread.hpp).
#include "deadline_thread.hpp"

#include <condition_variable>
#include <map>
#include <mutex>

namespace ringactor::service::detail {

struct deadline_thread::state {
  std::mutex mtx;
  std::condition_variable cv;
  std::map<key, std::function<void()>> due; // guarded by mtx
  std::uint64_t next_id = 0;                // guarded by mtx
  bool stop = false;                        // guarded by mtx
};

deadline_thread::deadline_thread()
  : state_(std::make_shared<state>()), worker_([s = state_] { run(s); }) {}

deadline_thread::~deadline_thread() {
  std::map<key, std::function<void()>> dropped;
  {
    std::lock_guard guard{state_->mtx};
    state_->stop = true;
    dropped.swap(state_->due);
  }
  state_->cv.notify_all();
  if (worker_.get_id() == std::this_thread::get_id())
    worker_.detach(); // it holds its state and ends when this callback returns
  else
    worker_.join();
  // `dropped` goes here, outside the lock: a callback may own responders
  // whose destructors answer.
}

deadline_thread::key deadline_thread::add(clock::time_point when, std::function<void()> fn) {
  std::lock_guard guard{state_->mtx};
  key k{when, state_->next_id++};
  bool first = state_->due.empty() || k < state_->due.begin()->first;
  state_->due.emplace(k, std::move(fn));
  if (first)
    state_->cv.notify_all();
  return k;
}

void deadline_thread::remove(const key& k) {
  std::function<void()> gone;
  {
    std::lock_guard guard{state_->mtx};
    if (auto i = state_->due.find(k); i != state_->due.end()) {
      gone = std::move(i->second);
      state_->due.erase(i);
    }
  }
  // `gone` goes outside the lock (as in the destructor).
}

void deadline_thread::run(std::shared_ptr<state> s) {
  std::unique_lock guard{s->mtx};
  while (!s->stop) {
    if (s->due.empty()) {
      s->cv.wait(guard);
      continue;
    }
    auto first = s->due.begin();
    // A copy: while this waits, remove() may erase the entry.
    auto when = first->first.first;
    if (clock::now() < when) {
      s->cv.wait_until(guard, when);
      continue;
    }
    auto fn = std::move(first->second);
    s->due.erase(first);
    guard.unlock();
    fn(); // outside the lock: it answers, fires callbacks, may add or remove
    fn = nullptr;
    guard.lock();
  }
}

} // namespace ringactor::service::detail
