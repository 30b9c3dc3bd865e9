// ringactor: a topic, a named stream of events that publishers add to and
// subscribers read: the server's streams (GET /topics/{name}/events, the
// WebSocket, gRPC Subscribe) and actors (C++, or a Python callback run on
// one). Topics by name, and the system's, are in topics.hpp.
//
//   topic t{"totals", {.buffer = 256, .subscriber_buffer = 64}};
//   t.publish(adder_total{7, 2});     // typed: needs a stable name and inspect()
//   auto sub = t.subscribe(std::nullopt, [] { /* wake the writer */ });
//   auto batch = sub->take();         // the events queued for this subscriber
//   t.unsubscribe(sub);
//   auto asub = t.subscribe(my_actor);  // my_actor receives topic_event messages
//
// Each published message becomes an event: the next id (1, 2, ...; never
// reused while the topic lives), the message's registered type name and its
// JSON text (the wire layer's). The topic keeps the last `buffer` events in a
// ring, from which a subscriber resumes (Last-Event-ID): it gets the events
// after its id, or first a gap (how many fell out of the ring) when its id
// is older than the ring's oldest.
//
// Publishing never waits for a subscriber: it appends to the ring and to each
// subscriber's queue under one short lock, and wakes the subscriber (whose
// wake function must not block: it posts to the connection). A subscriber
// whose queue holds `subscriber_buffer` events when one more comes is cut
// off: it is removed from the topic, its queued events are dropped, and its
// next take() reports the overflow (how many events it lost and the last id
// it took), so that memory stays bounded by the ring and the queues and
// neither the publisher nor the other subscribers slow down.
//
// An actor subscriber has the same bounded queue; the topic sends it one
// event at a time as a `topic_event` message (topic_event.hpp) and the next
// once that message is gone (handled, or dropped), so that its mailbox holds
// at most one of them and a slow actor's backlog waits in the bounded queue.
// When that queue overflows, the actor gets one `topic_overflow` (after the
// event in its mailbox, if any) and no more events.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <ringactor/actor.hpp>
#include <ringactor/expected.hpp>
#include <ringactor/json_format.hpp>
#include <ringactor/schema.hpp>
#include <ringactor/topic_event.hpp>

namespace ringactor {

/// How much a topic keeps.
struct topic_options {
  /// Events kept for resume (Last-Event-ID); at least 1.
  std::size_t buffer = 256;
  /// Events one subscriber may have queued, not yet written, before it is
  /// cut off with an overflow; at least 1.
  std::size_t subscriber_buffer = 64;
};

using topic_event_ptr = std::shared_ptr<const topic_event>;

/// A topic's counters (GET /topics/{name}).
struct topic_stats {
  std::string name;
  topic_options options;
  std::uint64_t published = 0; ///< events published (the last id)
  std::size_t buffered = 0;    ///< events in the ring now
  std::size_t subscribers = 0; ///< subscribers now
  std::uint64_t overflows = 0; ///< subscribers cut off for a full queue
  std::uint64_t refused = 0;   ///< messages refused (no JSON form; see topics.hpp)
};

/// One subscriber's bounded queue, filled by the topic and emptied by the
/// subscriber's writer (take()) or, for an actor subscriber, by the topic
/// itself, one message at a time. Thread-safe.
class topic_subscription : public std::enable_shared_from_this<topic_subscription> {
public:
  /// What take() hands the writer, in this order: a gap (only on the first
  /// take after a resume past the ring), the queued events, and an
  /// overflow (then the subscription has ended).
  struct batch {
    /// Events between the resume id and the ring's oldest, which are gone.
    std::optional<std::uint64_t> gap;
    std::vector<topic_event_ptr> events;
    /// Set once the queue overflowed: the events this subscriber lost (the
    /// one that did not fit and those that were queued, unwritten).
    std::optional<std::uint64_t> overflow_dropped;
    /// The id of the last event this subscriber took (0: none).
    std::uint64_t last_id = 0;
  };

  /// Moves out what is queued (see batch). After an overflow, every later
  /// take() returns an empty batch with `overflow_dropped` unset. Not for an
  /// actor subscriber, whose events the topic sends.
  batch take();

  /// True once the queue overflowed (the topic no longer feeds it).
  bool overflowed() const;

  /// The events queued now (at most the queue's bound; for an actor
  /// subscriber, not counting the one in its mailbox).
  std::size_t queued() const;

private:
  friend class topic;
  friend class detail::topic_delivery;

  topic_subscription(std::size_t capacity, std::function<void()> wake)
    : capacity_(capacity), wake_(std::move(wake)) {}
  topic_subscription(std::size_t capacity, actor subscriber, std::string topic_name)
    : capacity_(capacity), subscriber_(std::move(subscriber)), topic_name_(std::move(topic_name)) {}

  enum class offer_result { queued, queued_wake, overflowed, subscriber_gone };

  /// Queues `e` (under the topic's lock). queued_wake: the queue was empty,
  /// so the writer may be idle and needs a wake (a writer with a non-empty
  /// queue takes the new event with the others). overflowed: the queue was
  /// full, which turns this subscription into an overflowed one (wake it).
  /// subscriber_gone: the actor subscriber exited (drop the subscription).
  offer_result offer(const topic_event_ptr& e);

  /// What offer() asked for, outside the topic's lock: wakes the writer, or
  /// sends an actor subscriber its next message.
  void wake();

  /// Actor subscriber: sends the next event, or the overflow notice, unless
  /// one event is still in the actor's mailbox.
  void deliver();

  /// Actor subscriber: the message deliver() sent is gone (topic_delivery).
  void delivered();

  mutable std::mutex mtx_; // guards everything below; taken under the topic's lock
  std::size_t capacity_;
  std::deque<topic_event_ptr> queue_;
  std::optional<std::uint64_t> gap_;
  bool overflowed_ = false;
  bool overflow_reported_ = false;
  std::uint64_t dropped_ = 0;
  std::uint64_t last_taken_ = 0;
  // Called after offer() said so (outside the topic's lock): wakes the
  // writer; must not block.
  std::function<void()> wake_;
  // An actor subscriber (else invalid) and what deliver() tracks for it.
  actor subscriber_;
  std::string topic_name_;
  bool in_flight_ = false;    // an event sent to subscriber_ is not gone yet
  bool unsubscribed_ = false; // topic::unsubscribe: send nothing more
};

using topic_subscription_ptr = std::shared_ptr<topic_subscription>;

class topic {
public:
  /// Throws std::invalid_argument for an empty name or a zero buffer size
  /// (topics are configuration).
  topic(std::string name, topic_options options);

  const std::string& name() const noexcept { return name_; }
  const topic_options& options() const noexcept { return options_; }

  /// Publishes an event of type `type` with the JSON text `data` (which the
  /// caller made with the wire layer) and returns its id. Never waits for a
  /// subscriber.
  std::uint64_t publish(std::string type, std::string data);

  /// Publishes `x` as its registered type name and its JSON form. T must
  /// have a stable name (RINGACTOR_TYPE) and a JSON form (inspect()):
  /// anything else does not compile. A value the wire layer refuses (a
  /// string that is not UTF-8, past the limits) is an error and publishes
  /// nothing.
  template <class T>
  expected<std::uint64_t> publish(const T& x) {
    static_assert(wire::detail::has_stable_name<T>,
                  "ringactor: a message published to a topic needs a stable wire name: "
                  "add RINGACTOR_TYPE(Type, \"pkg.name\")");
    static_assert(wire::field_type<T>, "ringactor: a message published to a topic needs "
                                       "a JSON form: give the type an inspect() function");
    auto json = to_json(x);
    if (!json)
      return json.error();
    return publish(std::string{wire::wire_name_of<T>()}, std::move(*json));
  }

  /// Adds a subscriber whose queue holds subscriber_buffer events (plus
  /// the backlog of a resume). With `last_event_id`, the ring's events
  /// after it are queued at once, behind a gap when it is older than the
  /// ring's oldest event; an id at or past the newest resumes live.
  /// `wake` runs (on the publisher's thread, outside the topic's lock)
  /// when an event was queued for this subscriber while its queue was empty
  /// (after a take()), and once when it overflows; it must not block.
  topic_subscription_ptr subscribe(std::optional<std::uint64_t> last_event_id,
                                   std::function<void()> wake);

  /// Adds an actor subscriber: `subscriber` receives each event published
  /// from now on as a `topic_event` message, one at a time (the next once
  /// the previous message is gone), and a `topic_overflow` as its last
  /// message if subscriber_buffer events wait for it as one more comes. A
  /// subscriber that exited is dropped at the next publish.
  ///
  ///   auto sub = t.subscribe(sys.spawn([](event_based_actor*) -> behavior {
  ///     return {[](const topic_event& e) { /* ... */ },
  ///             [](const topic_overflow&) { /* cut off */ }};
  ///   }));
  topic_subscription_ptr subscribe(actor subscriber);

  /// As subscribe(actor), with a queue of `capacity` events instead of the
  /// topic's subscriber_buffer (a Python subscriber's `buffer=`). Throws
  /// std::invalid_argument for a zero capacity.
  topic_subscription_ptr subscribe(actor subscriber, std::size_t capacity);

  /// Removes `sub` (idempotent; an overflowed one is gone already). An
  /// actor subscriber receives nothing more (but the event already in its
  /// mailbox).
  void unsubscribe(const topic_subscription_ptr& sub);

  /// Counts the refusal of a message that had no JSON form (topics.hpp).
  void count_refused();

  topic_stats stats() const;

private:
  std::string name_;
  topic_options options_;
  mutable std::mutex mtx_; // guards everything below
  std::deque<topic_event_ptr> ring_;
  std::uint64_t last_id_ = 0;
  std::uint64_t overflows_ = 0;
  std::uint64_t refused_ = 0;
  std::vector<topic_subscription_ptr> subscribers_;
};

using topic_ptr = std::shared_ptr<topic>;

} // namespace ringactor
