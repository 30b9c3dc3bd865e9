// ringactor: topics by name, each behind its publishing actor (topics.hpp).
#include "ringactor/topics.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include <ringactor/actor_system.hpp>
#include <ringactor/default_handler.hpp>
#include <ringactor/logger.hpp>
#include <ringactor/scheduled_actor.hpp>
#include <ringactor/type_registry.hpp>

#include "system_core.hpp"

namespace ringactor {

namespace {

/// What the topic actor's one typed handler takes (see topic_actor).
struct last_id_probe {};

/// The actor of one topic: every message it gets is an event. It has no
/// typed handlers; the default handler sees each message with its type id
/// and finds the JSON codec in the one type registry.
behavior topic_actor(event_based_actor* self, topic_ptr t) {
  self->set_default_handler([t](scheduled_actor*, mailbox_element& x) -> default_handler_result {
    auto entry = type_registry::global().find(x.type);
    std::string why;
    if (!entry || !entry->named)
      why = "it has no stable name (RINGACTOR_TYPE)";
    else if (entry->json.save == nullptr)
      why = "it has no JSON form (inspect())";
    std::string json;
    if (why.empty())
      if (auto r = entry->json.save(x.payload(), json, wire_limits{}); !r)
        why = fmt::format("its JSON form failed: {}", to_string(r.error()));
    if (!why.empty()) {
      t->count_refused();
      auto name = entry ? entry->name : std::string{x.type->name};
      log_error("topic '{}' refused a message of type {}: {}", t->name(), name, why);
      return error{sec::unexpected_message,
                   fmt::format("topic '{}' cannot publish type {}: {}", t->name(), name, why)};
    }
    auto id = t->publish(entry->name, std::move(json));
    if (x.mid.is_request())
      return id;
    return error{}; // consumed: an asynchronous message gets no answer
  });
  // A behavior without handlers would end the actor at once: it keeps one,
  // for a message no publisher can send.
  return {[t](last_id_probe) -> std::uint64_t { return t->stats().published; }};
}

} // namespace

topics& topics::of(actor_system& sys) noexcept {
  return *sys.core().topics;
}

topic_ptr topics::add(std::string name, topic_options options) {
  std::lock_guard guard{mtx_};
  if (topics_.count(name) != 0)
    throw std::invalid_argument(fmt::format("ringactor::topics: a topic named '{}' exists already",
                                            name));
  auto t = std::make_shared<topic>(name, options);
  auto publisher = sys_->spawn(topic_actor, t);
  topics_.emplace(std::move(name), entry{t, publisher});
  return t;
}

topic_ptr topics::get_or_add(std::string name) {
  std::lock_guard guard{mtx_};
  if (auto i = topics_.find(name); i != topics_.end())
    return i->second.t;
  auto t = std::make_shared<topic>(name, topic_options{});
  auto publisher = sys_->spawn(topic_actor, t);
  topics_.emplace(std::move(name), entry{t, publisher});
  return t;
}

topic_ptr topics::find(std::string_view name) const {
  std::lock_guard guard{mtx_};
  auto i = topics_.find(name);
  return i == topics_.end() ? nullptr : i->second.t;
}

actor topics::actor_of(std::string_view name) const {
  std::lock_guard guard{mtx_};
  auto i = topics_.find(name);
  return i == topics_.end() ? actor{} : i->second.publisher;
}

std::vector<topic_ptr> topics::list() const {
  std::lock_guard guard{mtx_};
  std::vector<topic_ptr> out;
  for (auto& [name, e] : topics_)
    out.push_back(e.t);
  return out;
}

expected<topic_ptr> topics::for_type(std::string_view type_name) {
  auto entry = type_registry::global().find(type_name);
  if (!entry || !entry->named)
    return error{sec::invalid_argument,
                 fmt::format("no message type is registered under the name '{}'", type_name)};
  if (entry->json.save == nullptr)
    return error{sec::invalid_argument,
                 fmt::format("message type '{}' has no JSON form (inspect()): a topic cannot "
                             "carry it",
                             type_name)};
  return get_or_add(std::string{type_name});
}

expected<topic_subscription_ptr> topics::subscribe(std::string_view name, actor subscriber) {
  if (!subscriber)
    return error{sec::invalid_argument,
                 fmt::format("a subscriber to topic '{}' must be a valid actor", name)};
  auto t = find(name);
  if (!t) {
    auto typed = for_type(name);
    if (!typed)
      return error{sec::no_such_actor,
                   fmt::format("no topic named '{}', nor a message type of that name", name)};
    t = std::move(*typed);
  }
  return t->subscribe(std::move(subscriber));
}

void topics::clear() {
  std::map<std::string, entry, std::less<>> gone;
  {
    std::lock_guard guard{mtx_};
    gone.swap(topics_);
  }
}

} // namespace ringactor
