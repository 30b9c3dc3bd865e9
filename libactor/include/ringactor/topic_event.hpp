// ringactor: the messages a topic (topic.hpp) hands its subscribers. An SSE
// or WebSocket writer reads `topic_event`s from its queue; an actor that
// subscribed (topic::subscribe(actor, ...), topics::subscribe) receives
// each one as a message, and a `topic_overflow` when it fell too far behind:
//
//   behavior subscriber(event_based_actor*) {
//     return {
//       [](const topic_event& e) { /* e.topic, e.id, e.type, e.data (JSON) */ },
//       [](const topic_overflow& o) { /* cut off: o.dropped lost after o.last_id */ },
//     };
//   }
//
// Both are registered with the wire registry ("ringactor.topic_event",
// "ringactor.topic_overflow"), so that every boundary (JSON, Python) sees
// them with their fields.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <ringactor/type_registry.hpp>

namespace ringactor {

class topic_subscription;

namespace detail {

/// Held by an event on its way to an actor subscriber: when the message is
/// gone (handled, dropped, bounced by a dead receiver), the subscriber's
/// slot is free and the subscription sends it the next event. A copy holds
/// no slot (only the message the topic sent frees it); a move carries it.
class topic_delivery {
public:
  topic_delivery() noexcept = default;
  explicit topic_delivery(std::weak_ptr<topic_subscription> sub) noexcept : sub_(std::move(sub)) {}
  topic_delivery(const topic_delivery&) noexcept {}
  topic_delivery(topic_delivery&& other) noexcept : sub_(std::move(other.sub_)) {
    other.sub_.reset();
  }
  topic_delivery& operator=(const topic_delivery&) noexcept {
    release();
    return *this;
  }
  topic_delivery& operator=(topic_delivery&& other) noexcept {
    if (this != &other) {
      release();
      sub_ = std::move(other.sub_);
      other.sub_.reset();
    }
    return *this;
  }
  ~topic_delivery() { release(); }

  /// Frees the slot now (idempotent).
  void release() noexcept;

private:
  std::weak_ptr<topic_subscription> sub_;
};

} // namespace detail

/// One published message: the topic's name, its id in the topic (1, 2, ...),
/// the message's registered type name and its JSON text (the wire layer's).
struct topic_event {
  std::string topic;
  std::uint64_t id = 0;
  std::string type; ///< the registered type name ("adder.total")
  std::string data; ///< its JSON text
  /// (Internal) the actor subscriber's slot this message holds; not a field.
  detail::topic_delivery delivery = {};
};

template <class Inspector>
bool inspect(Inspector& f, topic_event& x) {
  return f.object(x).fields(f.field("topic", x.topic), f.field("id", x.id), f.field("type", x.type),
                            f.field("data", x.data));
}
RINGACTOR_TYPE(topic_event, "ringactor.topic_event")

/// What an actor subscriber gets once, as its last message from the topic,
/// when its queue was full as another event came: it is unsubscribed, and
/// the events queued for it (`dropped`, the one that did not fit included)
/// are gone. `last_id` is the id of the last event it was sent; subscribing
/// again with it resumes from the topic's ring.
struct topic_overflow {
  std::string topic;
  std::uint64_t dropped = 0;
  std::uint64_t last_id = 0;
};

template <class Inspector>
bool inspect(Inspector& f, topic_overflow& x) {
  return f.object(x).fields(f.field("topic", x.topic), f.field("dropped", x.dropped),
                            f.field("last_id", x.last_id));
}
RINGACTOR_TYPE(topic_overflow, "ringactor.topic_overflow")

} // namespace ringactor
