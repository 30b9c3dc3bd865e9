// ringactor service: the concurrency limit with load shedding and its wait
// queue (layers/concurrency_limit.hpp).
#include "ringactor/service/layers/concurrency_limit.hpp"

#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>

#include "ringactor/service/cancellation.hpp"

#include "deadline_thread.hpp"

namespace ringactor::service {

namespace {

using detail::deadline_thread;

/// A request waiting for a slot. Its fields belong to whoever takes it
/// out of the queue (under the limit's lock): a freed slot, its deadline or
/// its cancellation, whichever comes first.
struct waiter {
  responder answer;
  std::optional<next_layer> next;
  deadline_thread::key deadline;
  std::list<std::shared_ptr<waiter>>::iterator pos;
  bool queued = false;
};

http_response shed(const concurrency_limit_options& o, std::string message) {
  auto res = http_response::error(503, "shedding", message);
  res.headers.emplace_back("Retry-After", std::to_string(o.retry_after.count()));
  return res;
}

/// The slots and the queue one layer (and all its copies) share.
class limit_state : public std::enable_shared_from_this<limit_state> {
public:
  explicit limit_state(concurrency_limit_options options) : options_(options) {
    if (options_.max_waiting > 0)
      timers_.emplace();
  }

  void admit(const http_request& req, responder answer, next_layer next) {
    std::unique_lock guard{mtx_};
    if (in_flight_ < options_.max_in_flight) {
      ++in_flight_;
      guard.unlock();
      pass(std::move(answer), next);
      return;
    }
    if (queue_.size() >= options_.max_waiting) {
      guard.unlock();
      answer(shed(options_, options_.max_waiting == 0
                              ? fmt::format("the server serves {} requests at once, its limit; "
                                            "retry in {}s",
                                            options_.max_in_flight, options_.retry_after.count())
                              : fmt::format("the server serves {} requests at once and {} wait, "
                                            "its limits; retry in {}s",
                                            options_.max_in_flight, options_.max_waiting,
                                            options_.retry_after.count())));
      return;
    }
    auto w = std::make_shared<waiter>();
    w->answer = std::move(answer);
    w->next.emplace(std::move(next));
    w->pos = queue_.insert(queue_.end(), w);
    w->queued = true;
    // Under the lock: a slot freed at once finds the key to withdraw. The
    // timer holds the state weakly: the state owns the timer thread.
    w->deadline = timers_->add(deadline_thread::clock::now() + options_.queue_timeout,
                               [weak = weak_from_this(), w] {
                                 if (auto self = weak.lock())
                                   self->expire(w);
                               });
    guard.unlock();
    // Outside the lock: a cancellation that fired already runs at once. The
    // waiter is held weakly: the request owns its cancellation, and the
    // waiter the request (in `next`).
    if (req.cancel)
      req.cancel->on_cancel([weak = weak_from_this(),
                             ww = std::weak_ptr<waiter>{w}](cancel_reason why) {
        auto self = weak.lock();
        auto w = ww.lock();
        if (self && w)
          self->leave(w, why);
      });
  }

private:
  /// Passes a request that holds a slot on; its answer frees the slot.
  void pass(responder answer, const next_layer& next) {
    next(wrap(std::move(answer), [self = shared_from_this()](http_response&) { self->release(); }));
  }

  /// A slot's answer went: the first waiter takes the slot over (the
  /// count stays), else the count goes down.
  void release() {
    std::unique_lock guard{mtx_};
    if (queue_.empty()) {
      --in_flight_;
      return;
    }
    auto w = take_front();
    guard.unlock();
    // On the timer thread, in the order taken: the thread that freed the
    // slot (a network thread, an actor's) goes on at once, and a chain of
    // answers that come at once never nests.
    timers_->post([self = shared_from_this(), w] {
      self->pass(std::move(w->answer), *w->next);
      w->next.reset();
    });
  }

  std::shared_ptr<waiter> take_front() {
    auto w = queue_.front();
    queue_.pop_front();
    w->queued = false;
    timers_->remove(w->deadline);
    return w;
  }

  /// Takes `w` out of the queue if it still waits; true if it did.
  bool unqueue(const std::shared_ptr<waiter>& w) {
    std::lock_guard guard{mtx_};
    if (!w->queued)
      return false;
    queue_.erase(w->pos);
    w->queued = false;
    timers_->remove(w->deadline);
    return true;
  }

  void expire(const std::shared_ptr<waiter>& w) {
    if (!unqueue(w))
      return;
    w->next.reset();
    w->answer(shed(options_, fmt::format("no slot freed within the queue timeout ({}ms) of the "
                                         "{} requests the server serves at once; retry in {}s",
                                         options_.queue_timeout.count(), options_.max_in_flight,
                                         options_.retry_after.count())));
  }

  void leave(const std::shared_ptr<waiter>& w, cancel_reason why) {
    if (!unqueue(w))
      return;
    w->next.reset();
    // Nobody reads it (the client went, or a layer before answered): the
    // answer only completes the responder.
    w->answer(shed(options_, fmt::format("left the queue ({})", to_string(why))));
  }

  const concurrency_limit_options options_;
  std::mutex mtx_;
  std::size_t in_flight_ = 0;                // guarded by mtx_
  std::list<std::shared_ptr<waiter>> queue_; // guarded by mtx_; FIFO
  std::optional<deadline_thread> timers_;    // with a queue only; last: its thread stops first
};

} // namespace

layer concurrency_limit(concurrency_limit_options options) {
  if (options.max_in_flight == 0)
    throw std::invalid_argument{"limits.max_concurrent: expected at least 1, found 0"};
  if (options.max_waiting > 0 && options.queue_timeout < std::chrono::milliseconds{1})
    throw std::invalid_argument{
      fmt::format("limits.queue_timeout: expected at least 1ms with a queue, found {}ms",
                  options.queue_timeout.count())};
  auto state = std::make_shared<limit_state>(options);
  return [state](const http_request& req, responder answer, next_layer next) {
    state->admit(req, std::move(answer), std::move(next));
  };
}

} // namespace ringactor::service
