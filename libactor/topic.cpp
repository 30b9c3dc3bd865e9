// ringactor: a topic's ring and its subscribers' bounded queues (topic.hpp).
#include "ringactor/topic.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "ringactor/anon_send.hpp"

namespace ringactor {

// -- topic_delivery --------------------------------------------------------------

void detail::topic_delivery::release() noexcept {
  if (auto sub = std::exchange(sub_, {}).lock())
    sub->delivered();
}

// -- topic_subscription ----------------------------------------------------------

topic_subscription::batch topic_subscription::take() {
  std::lock_guard guard{mtx_};
  batch out;
  out.gap = std::exchange(gap_, std::nullopt);
  if (overflowed_) {
    if (!overflow_reported_) {
      overflow_reported_ = true;
      out.overflow_dropped = dropped_;
    }
    out.last_id = last_taken_;
    return out;
  }
  out.events.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
  queue_.clear();
  if (!out.events.empty())
    last_taken_ = out.events.back()->id;
  out.last_id = last_taken_;
  return out;
}

bool topic_subscription::overflowed() const {
  std::lock_guard guard{mtx_};
  return overflowed_;
}

std::size_t topic_subscription::queued() const {
  std::lock_guard guard{mtx_};
  return queue_.size();
}

void topic_subscription::wake() {
  if (subscriber_)
    deliver();
  else if (wake_)
    wake_();
}

void topic_subscription::deliver() {
  // A send to an actor that is gone destroys the message inside anon_send,
  // whose delivery then calls delivered() and so deliver() again: that inner
  // call returns at once and this loop sends the next, so that the stack
  // does not grow with the queue.
  thread_local const topic_subscription* delivering = nullptr;
  if (delivering == this)
    return;
  auto outer = std::exchange(delivering, this);
  for (;;) {
    std::optional<topic_event> next;
    std::optional<topic_overflow> notice;
    {
      std::lock_guard guard{mtx_};
      if (in_flight_ || overflow_reported_ || unsubscribed_)
        break;
      if (overflowed_) {
        // Last: behind the event that was in the mailbox, if one was.
        overflow_reported_ = true;
        notice = topic_overflow{topic_name_, dropped_, last_taken_};
      } else if (queue_.empty()) {
        break;
      } else {
        auto e = std::move(queue_.front());
        queue_.pop_front();
        in_flight_ = true;
        last_taken_ = e->id;
        next = topic_event{e->topic, e->id, e->type, e->data,
                           detail::topic_delivery{weak_from_this()}};
      }
    }
    if (notice) {
      anon_send(subscriber_, std::move(*notice));
      break;
    }
    anon_send(subscriber_, std::move(*next));
  }
  delivering = outer;
}

void topic_subscription::delivered() {
  {
    std::lock_guard guard{mtx_};
    in_flight_ = false;
  }
  deliver();
}

topic_subscription::offer_result topic_subscription::offer(const topic_event_ptr& e) {
  std::lock_guard guard{mtx_};
  if (overflowed_)
    return offer_result::queued; // gone from the topic already; nothing to do
  if (subscriber_ && subscriber_.get()->is_exiting())
    return offer_result::subscriber_gone;
  if (queue_.size() >= capacity_) {
    // Cut off: what is queued will never be written either, and dropping it
    // now is what bounds this subscriber's memory.
    overflowed_ = true;
    dropped_ = queue_.size() + 1;
    queue_.clear();
    return offer_result::overflowed;
  }
  bool was_empty = queue_.empty();
  queue_.push_back(e);
  return was_empty ? offer_result::queued_wake : offer_result::queued;
}

// -- topic ---------------------------------------------------------------------

topic::topic(std::string name, topic_options options) : name_(std::move(name)), options_(options) {
  if (name_.empty())
    throw std::invalid_argument("ringactor::topic: a topic needs a non-empty name");
  if (options_.buffer == 0 || options_.subscriber_buffer == 0)
    throw std::invalid_argument(
      fmt::format("ringactor::topic '{}': buffer and subscriber_buffer must be at least 1", name_));
}

std::uint64_t topic::publish(std::string type, std::string data) {
  std::vector<topic_subscription_ptr> woken; // keeps the wake functions alive
  std::uint64_t id = 0;
  {
    std::lock_guard guard{mtx_};
    id = ++last_id_;
    auto e = std::make_shared<const topic_event>(topic_event{name_, id, std::move(type),
                                                             std::move(data)});
    ring_.push_back(e);
    if (ring_.size() > options_.buffer)
      ring_.pop_front();
    for (auto i = subscribers_.begin(); i != subscribers_.end();) {
      auto r = (*i)->offer(e);
      if (r == topic_subscription::offer_result::queued_wake
          || r == topic_subscription::offer_result::overflowed)
        woken.push_back(*i);
      if (r == topic_subscription::offer_result::overflowed) {
        ++overflows_;
        i = subscribers_.erase(i);
      } else if (r == topic_subscription::offer_result::subscriber_gone) {
        i = subscribers_.erase(i);
      } else {
        ++i;
      }
    }
  }
  // Outside the lock: a wake posts to a connection, or sends to an actor,
  // and must not hold up another publisher or a subscribe.
  for (auto& s : woken)
    s->wake();
  return id;
}

topic_subscription_ptr topic::subscribe(std::optional<std::uint64_t> last_event_id,
                                        std::function<void()> wake) {
  std::lock_guard guard{mtx_};
  std::size_t backlog = 0;
  std::optional<std::uint64_t> gap;
  std::uint64_t oldest = ring_.empty() ? last_id_ + 1 : ring_.front()->id;
  if (last_event_id && *last_event_id < last_id_) {
    if (*last_event_id + 1 < oldest)
      gap = oldest - *last_event_id - 1;
    for (auto& e : ring_)
      if (e->id > *last_event_id)
        ++backlog;
  }
  // The backlog is shared with the ring (no copy): the queue may hold it on
  // top of its own bound.
  auto sub = std::shared_ptr<topic_subscription>(
    new topic_subscription(options_.subscriber_buffer + backlog, std::move(wake)));
  {
    std::lock_guard sub_guard{sub->mtx_};
    sub->gap_ = gap;
    if (backlog > 0)
      for (auto& e : ring_)
        if (e->id > *last_event_id)
          sub->queue_.push_back(e);
    sub->last_taken_ = last_event_id ? std::min(*last_event_id, last_id_) : last_id_;
  }
  subscribers_.push_back(sub);
  return sub;
}

topic_subscription_ptr topic::subscribe(actor subscriber) {
  return subscribe(std::move(subscriber), options_.subscriber_buffer);
}

topic_subscription_ptr topic::subscribe(actor subscriber, std::size_t capacity) {
  if (capacity == 0)
    throw std::invalid_argument(fmt::format(
      "ringactor::topic '{}': a subscriber's buffer must hold at least 1 event", name_));
  if (!subscriber)
    throw std::invalid_argument(fmt::format("ringactor::topic '{}': subscribe needs a valid actor",
                                            name_));
  std::lock_guard guard{mtx_};
  auto sub = std::shared_ptr<topic_subscription>(
    new topic_subscription(capacity, std::move(subscriber), name_));
  {
    std::lock_guard sub_guard{sub->mtx_};
    sub->last_taken_ = last_id_;
  }
  subscribers_.push_back(sub);
  return sub;
}

void topic::unsubscribe(const topic_subscription_ptr& sub) {
  std::lock_guard guard{mtx_};
  std::erase(subscribers_, sub);
  if (sub && sub->subscriber_) {
    // An actor gets nothing after its unsubscribe but the event already in
    // its mailbox: what waited in its queue is dropped.
    std::lock_guard sub_guard{sub->mtx_};
    sub->unsubscribed_ = true;
    sub->queue_.clear();
  }
}

void topic::count_refused() {
  std::lock_guard guard{mtx_};
  ++refused_;
}

topic_stats topic::stats() const {
  std::lock_guard guard{mtx_};
  return {name_, options_, last_id_, ring_.size(), subscribers_.size(), overflows_, refused_};
}

} // namespace ringactor
