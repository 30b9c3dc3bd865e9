// ringactor service: the topics a server offers, by name, each behind an
// actor that publishers send to. A host actor sends a message of any
// registered type; a kernel sends one with ctx.send_host(topic_id, msg)
// (the id of topics::actor_of): each becomes an event of the topic
// (topic.hpp) under its registered type name, with its JSON form.
//
//   service::topics ts;
//   auto totals = ts.add(sys, "totals", {.buffer = 256, .subscriber_buffer = 64});
//   anon_send(ts.actor_of("totals"), adder_total{7, 2});   // from anywhere
//   ts.find("totals")->publish(adder_total{7, 2});          // or directly, typed
//
// A message whose type has no JSON form (not registered with RINGACTOR_TYPE,
// or without inspect()) is refused: a request gets sec::unexpected_message
// naming the type, an asynchronous message is logged as an error and
// counted in the topic's `refused`; nothing is published. A request that is
// published is answered with the event's id (a std::uint64_t).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include <ringactor/actor.hpp>
#include <ringactor/actor_system.hpp>

#include "ringactor/service/topic.hpp"

namespace ringactor::service {

/// Topics are added while the server is set up (before http_server::start);
/// find() and actor_of() are then safe from any thread.
class topics {
public:
  /// Creates the topic `name` and spawns its actor. Throws
  /// std::invalid_argument for an empty or taken name or a zero buffer
  /// (topics are configuration).
  topic_ptr add(actor_system& sys, std::string name, topic_options options = {});

  /// The topic `name`, or null.
  topic_ptr find(std::string_view name) const;

  /// The actor that publishes to topic `name`; invalid if there is none.
  actor actor_of(std::string_view name) const;

  /// Every topic, by name.
  std::vector<topic_ptr> list() const;

private:
  struct entry {
    topic_ptr t;
    actor publisher;
  };
  std::map<std::string, entry, std::less<>> topics_;
};

} // namespace ringactor::service
