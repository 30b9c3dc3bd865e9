// ringactor: topics by name, each behind an actor that publishers send to.
// Every actor_system owns one set (topics::of(sys)), so that C++ actors,
// kernels, a Python module and the server's streams all see the same topics
// in one process, without passing a `topics` object around. A host actor
// sends a message of any registered type to a topic's actor; a kernel sends
// one with ctx.send_host(topic_id, msg) (the id of topics::actor_of): each
// becomes an event of the topic (topic.hpp) under its registered type name,
// with its JSON form.
//
//   auto& ts = topics::of(sys);
//   auto totals = ts.add("totals", {.buffer = 256, .subscriber_buffer = 64});
//   anon_send(ts.actor_of("totals"), adder_total{7, 2});  // from anywhere
//   totals->publish(adder_total{7, 2});                   // or directly, typed
//   ts.subscribe("totals", my_actor);                     // topic_event messages
//
// Topics by message type: the topic of a registered type is the topic named
// by the type's registered name ("shop.order"), created on first use with
// the default options (or the options of a topic added earlier under that
// name, e.g. from the server's [topics."shop.order"] table):
//
//   ts.publish(order{7, 3});               // to topic "shop.order"
//   ts.subscribe("shop.order", my_actor);  // a type's name: its topic
//   ts.for_type("shop.order");             // by name, at run time (Python)
//
// A message whose type has no JSON form (not registered with RINGACTOR_TYPE,
// or without inspect()) is refused: a request gets sec::unexpected_message
// naming the type, an asynchronous message is logged as an error and
// counted in the topic's `refused`; nothing is published. A request that is
// published is answered with the event's id (a std::uint64_t).
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <ringactor/actor.hpp>
#include <ringactor/expected.hpp>
#include <ringactor/topic.hpp>

namespace ringactor {

class actor_system;

/// Topics by name. Thread-safe: topics may be added (add(), for_type())
/// while others are published to and subscribed.
class topics {
public:
  /// Topics whose actors run in `sys`, which must outlive this object. Most
  /// code wants the system's own set instead: of(sys).
  explicit topics(actor_system& sys) noexcept : sys_(&sys) {}

  /// The topics `sys` owns: the one set its actors, kernels, a Python module
  /// and a server in this process share. Emptied by sys.shutdown() (after
  /// which add() throws system_shut_down).
  static topics& of(actor_system& sys) noexcept;
  topics(const topics&) = delete;
  topics& operator=(const topics&) = delete;

  /// Creates the topic `name` and spawns its actor. Throws
  /// std::invalid_argument for an empty or taken name or a zero buffer
  /// (topics are configuration), system_shut_down once the system stops.
  topic_ptr add(std::string name, topic_options options = {});

  /// The topic `name`, or null.
  topic_ptr find(std::string_view name) const;

  /// The actor that publishes to topic `name`; invalid if there is none.
  actor actor_of(std::string_view name) const;

  /// Every topic, by name.
  std::vector<topic_ptr> list() const;

  // -- topics by message type ---------------------------------------------------

  /// The topic of the registered type named `type_name`: the topic of that
  /// name, added with default options if there is none yet. An error
  /// (sec::invalid_argument, naming the type) if no type is registered under
  /// that name or it has no JSON form.
  expected<topic_ptr> for_type(std::string_view type_name);

  /// The topic of T (see for_type(name)); T must have a stable name.
  template <class T>
  topic_ptr for_type() {
    static_assert(wire::detail::has_stable_name<T>,
                  "ringactor: a type's topic needs a stable wire name: "
                  "add RINGACTOR_TYPE(Type, \"pkg.name\")");
    return get_or_add(std::string{wire::wire_name_of<T>()});
  }

  /// Publishes `x` to the topic of its type (created on first use): what
  /// for_type<T>()->publish(x) does.
  template <class T>
  expected<std::uint64_t> publish(const T& x) {
    return for_type<T>()->publish(x);
  }

  // -- subscribers ------------------------------------------------------------

  /// Subscribes the actor `subscriber` to topic `name` (topic::subscribe):
  /// it receives topic_event messages and, when it falls subscriber_buffer
  /// events behind, one topic_overflow. Without a topic of that name, a
  /// registered message type of that name gets its topic (for_type(name)).
  /// sec::invalid_argument for an invalid actor, sec::no_such_actor (naming
  /// `name`) when it names neither a topic nor a type.
  expected<topic_subscription_ptr> subscribe(std::string_view name, actor subscriber);

  /// Drops every topic and its actor (the system's shutdown does this, so
  /// that no handle outlives the actors).
  void clear();

private:
  topic_ptr get_or_add(std::string name);

  struct entry {
    topic_ptr t;
    actor publisher;
  };
  actor_system* sys_;
  mutable std::mutex mtx_; // guards topics_
  std::map<std::string, entry, std::less<>> topics_;
};

} // namespace ringactor
