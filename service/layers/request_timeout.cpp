// ringactor service: the request-timeout layer (layers/request_timeout.hpp).
// The deadlines of all requests wait on one thread of the layer's own: the
// layer knows no transport, so it cannot borrow the server's io_context.
#include "ringactor/service/layers/request_timeout.hpp"

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "ringactor/service/cancellation.hpp"

namespace ringactor::service {

namespace {

using clock = std::chrono::steady_clock;

/// Runs callbacks at their deadlines on one thread; a deadline can be
/// withdrawn (the answer came first).
class deadline_thread {
public:
  using key = std::pair<clock::time_point, std::uint64_t>;

  deadline_thread() : worker_([this] { run(); }) {}

  ~deadline_thread() {
    {
      std::lock_guard guard{mtx_};
      stop_ = true;
    }
    cv_.notify_all();
    worker_.join();
  }

  key add(clock::time_point when, std::function<void()> fn) {
    std::lock_guard guard{mtx_};
    key k{when, next_id_++};
    bool first = due_.empty() || k < due_.begin()->first;
    due_.emplace(k, std::move(fn));
    if (first)
      cv_.notify_all();
    return k;
  }

  void remove(const key& k) {
    std::lock_guard guard{mtx_};
    due_.erase(k);
  }

private:
  void run() {
    std::unique_lock guard{mtx_};
    while (!stop_) {
      if (due_.empty()) {
        cv_.wait(guard);
        continue;
      }
      auto first = due_.begin();
      // A copy: while this waits, an answer may withdraw (erase) the entry.
      auto when = first->first.first;
      if (clock::now() < when) {
        cv_.wait_until(guard, when);
        continue;
      }
      auto fn = std::move(first->second);
      due_.erase(first);
      guard.unlock();
      fn(); // outside the lock: it answers and fires callbacks
      guard.lock();
    }
  }

  std::mutex mtx_;
  std::condition_variable cv_;
  std::map<key, std::function<void()>> due_; // guarded by mtx_
  std::uint64_t next_id_ = 0;                // guarded by mtx_
  bool stop_ = false;                        // guarded by mtx_
  std::thread worker_;                       // last: starts once the rest is built
};

/// One request's race between its answer and its deadline: whoever comes
/// first answers, the other finds `done`.
struct race {
  std::mutex mtx;
  responder answer; // guarded by mtx; answered once done
  bool done = false;
  deadline_thread::key deadline;

  /// Takes the responder if nobody did yet.
  std::optional<responder> take() {
    std::lock_guard guard{mtx};
    if (done)
      return std::nullopt;
    done = true;
    return std::move(answer);
  }
};

} // namespace

layer request_timeout(std::chrono::milliseconds limit) {
  if (limit <= std::chrono::milliseconds{0})
    throw std::invalid_argument{
      fmt::format("request_timeout: expected a positive limit, found {}ms", limit.count())};
  auto timers = std::make_shared<deadline_thread>();
  return [timers, limit](const http_request& req, responder answer, next_layer next) {
    auto r = std::make_shared<race>();
    r->answer = std::move(answer);
    {
      // The deadline is added under the race's lock: an answer that comes
      // at once then finds the key to withdraw.
      std::lock_guard guard{r->mtx};
      r->deadline = timers->add(clock::now() + limit, [r, cancel = req.cancel, limit] {
        if (auto a = r->take()) {
          (*a)(http_response::error(504, "timeout",
                                    fmt::format("no answer within the request timeout ({}ms)",
                                                limit.count())));
          if (cancel)
            cancel->cancel(cancel_reason::timeout);
        }
      });
    }
    // The timers are held weakly: a late answer after the layer went must
    // not keep (and then join) the timer thread from itself.
    next(responder{[r, weak = std::weak_ptr<deadline_thread>{timers}](http_response res) {
      if (auto a = r->take()) {
        if (auto t = weak.lock())
          t->remove(r->deadline);
        (*a)(std::move(res));
      }
    }});
  };
}

} // namespace ringactor::service
