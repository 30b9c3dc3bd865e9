// ringactor Python module: publish and subscribe on the system's topics
// (libactor's topics.hpp: topics::of(sys)), the ones C++ actors, kernels
// (send_host to a topic's actor) and the server's streams use.
//
// A Python value is published through the wire layer: to_element converts
// it to its C++ message (a ringactor.types object to its registered type,
// with the codec's checks), and the type registry's JSON codec writes the
// event's data, as the topic's own actor does for a C++ message. A Python
// subscriber is a Python actor (ringactor/topics.py spawns it) subscribed
// with a bounded queue: it gets topic_event messages one at a time and one
// topic_overflow when the queue overflows (topic.hpp).
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include <ringactor/topics.hpp>
#include <ringactor/type_registry.hpp>

#include <pybind11/stl.h>

#include "bindings.hpp"
#include "errors.hpp"
#include "handle.hpp"
#include "values.hpp"

namespace ringactor::python {

namespace {

using box_ptr = std::shared_ptr<system_box>;

/// What Python holds of one subscription: its topic (to unsubscribe from)
/// and the subscription (to ask whether it overflowed).
struct py_subscription {
  topic_ptr t;
  topic_subscription_ptr sub;
};

void check_running(const system_box& box, const char* what) {
  if (box.sys.stopping())
    raise_error(error{sec::invalid_argument,
                      std::string{what} + " on a system that is shutting down"});
}

/// The topic `name`: a topic of that name, else the topic of the registered
/// type of that name, else a new topic with the default options. An empty
/// name raises ValueError; a registered type without a JSON form raises.
topic_ptr topic_named(system_box& box, const std::string& name) {
  if (name.empty())
    throw py::value_error("ringactor: a topic name must not be empty");
  auto& ts = topics::of(box.sys);
  if (auto t = ts.find(name))
    return t;
  if (type_registry::global().find(name)) {
    auto t = ts.for_type(name);
    if (!t)
      raise_error(t.error());
    return *t;
  }
  try {
    return ts.add(name);
  } catch (const std::invalid_argument&) {
    // Another thread added it between find and add.
    if (auto t = ts.find(name))
      return t;
    throw;
  }
}

/// Publishes `obj` to topic `name` (None: the topic of obj's registered
/// type) and returns the event's id. Raises TypeError for a value with no
/// C++ form or a type without a stable name or JSON form, WireError for a
/// value its codec refuses; nothing is published then.
std::uint64_t publish(const box_ptr& box, const std::optional<std::string>& name, py::handle obj) {
  check_running(*box, "publish");
  auto elem = to_element(box->sys, obj);
  auto entry = type_registry::global().find(elem->type);
  std::string type_name = entry ? entry->name : std::string{"(unregistered)"};
  if (!entry || !entry->named)
    throw py::type_error("ringactor: publish needs a message of a registered type (with a stable "
                         "name); "
                         + type_name + " has none");
  if (entry->json.save == nullptr)
    throw py::type_error("ringactor: message type " + type_name
                         + " has no JSON form (inspect()): a topic cannot carry it");
  std::string json;
  if (auto r = entry->json.save(elem->payload(), json, wire_limits{}); !r)
    raise_error(r.error());
  auto t = topic_named(*box, name ? *name : entry->name);
  // Publishing only takes the topic's short locks; the GIL is let go all the
  // same, so that a subscriber's handler may run meanwhile.
  py::gil_scoped_release nogil;
  return t->publish(entry->name, std::move(json));
}

/// Subscribes the actor `subscriber` to topic `name` with a queue of
/// `buffer` events (None: the topic's subscriber_buffer).
py_subscription subscribe(const box_ptr& box, const std::string& name, const py_handle& subscriber,
                          std::optional<std::size_t> buffer) {
  check_running(*box, "subscribe");
  if (!subscriber.ptr)
    raise_error(error{sec::dead_receiver, "subscribe of a handle of an actor that is gone"});
  if (buffer && *buffer == 0)
    throw py::value_error("ringactor: a subscriber's buffer must hold at least 1 event");
  auto t = topic_named(*box, name);
  auto sub = buffer ? t->subscribe(actor{subscriber.ptr}, *buffer)
                    : t->subscribe(actor{subscriber.ptr});
  return py_subscription{std::move(t), std::move(sub)};
}

py::dict stats_of(const topic_ptr& t) {
  auto s = t->stats();
  py::dict d;
  d["name"] = s.name;
  d["buffer"] = s.options.buffer;
  d["subscriber_buffer"] = s.options.subscriber_buffer;
  d["published"] = s.published;
  d["buffered"] = s.buffered;
  d["subscribers"] = s.subscribers;
  d["overflows"] = s.overflows;
  d["refused"] = s.refused;
  return d;
}

} // namespace

void bind_topics(py::module_& m) {
  py::class_<py_subscription>(m, "TopicSubscription",
                              "A subscription of an actor to a topic (use ringactor.Subscription, "
                              "which wraps it).")
    .def(
      "unsubscribe", [](const py_subscription& s) { s.t->unsubscribe(s.sub); },
      "Removes the subscription (idempotent).")
    .def_property_readonly("topic", [](const py_subscription& s) { return s.t->name(); })
    .def_property_readonly("overflowed",
                           [](const py_subscription& s) { return s.sub->overflowed(); })
    .def_property_readonly("queued", [](const py_subscription& s) { return s.sub->queued(); });
  m.def("publish", &publish, py::arg("system"), py::arg("topic"), py::arg("message"),
        "Publishes `message` to `topic` (None: its type's topic); returns the event's id.");
  m.def("subscribe", &subscribe, py::arg("system"), py::arg("topic"), py::arg("subscriber"),
        py::arg("buffer") = py::none(),
        "Subscribes the actor `subscriber` to `topic` (created on first use).");
  m.def(
    "topic_stats",
    [](const box_ptr& box, const std::string& name) -> py::object {
      auto t = topics::of(box->sys).find(name);
      return t ? py::object(stats_of(t)) : py::none();
    },
    py::arg("system"), py::arg("name"), "The counters of topic `name`, or None.");
  m.def(
    "topic_actor",
    [](const box_ptr& box, const std::string& name) {
      check_running(*box, "topic_actor");
      auto t = topic_named(*box, name);
      auto a = topics::of(box->sys).actor_of(t->name());
      if (!a)
        raise_error(error{sec::no_such_actor, "topic '" + name + "' has no actor"});
      auto id = a.id();
      return py_handle{a.ctrl(), id, box};
    },
    py::arg("system"), py::arg("name"),
    "The actor of topic `name` (created on first use): a message sent to it is published.");
}

} // namespace ringactor::python
