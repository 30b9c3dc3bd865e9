// ringactor Python module: actor handles and what a Python actor's handler
// may call (become, quit, current). See requests.hpp for request and ask.
#include <functional>
#include <string>

#include <ringactor/anon_send.hpp>
#include <ringactor/system_messages.hpp>

#include "bindings.hpp"
#include "errors.hpp"
#include "gil.hpp"
#include "handle.hpp"
#include "python_actor.hpp"
#include "requests.hpp"
#include "values.hpp"

namespace ringactor::python {

namespace {

/// An exit reason from Python: None is normal; "normal", "user_shutdown",
/// "kill" and "unhandled_exception" name theirs; any other text is a
/// runtime_error with that text.
error reason_of(py::handle x) {
  if (x.is_none())
    return {};
  auto text = py::str(x).cast<std::string>();
  if (text == "normal")
    return {};
  if (text == "user_shutdown")
    return exit_reason::user_shutdown;
  if (text == "kill")
    return exit_reason::kill;
  if (text == "unhandled_exception")
    return exit_reason::unhandled_exception;
  return error{sec::runtime_error, std::move(text)};
}

python_actor& running_actor(const char* what) {
  auto* self = python_actor::current();
  if (self == nullptr)
    throw py::value_error(std::string{"ringactor."} + what
                          + "() is called from inside a Python actor's handler only");
  return *self;
}

abstract_actor& live(const py_handle& h) {
  if (!h.ptr)
    raise_error(error{sec::dead_receiver, "a handle of an actor that is gone"});
  return *h.ptr;
}

} // namespace

void bind_actors(py::module_& m) {
  py::class_<py_handle>(m, "Handle",
                        "A handle of an actor (C++, kernel or Python) of an ActorSystem. "
                        "Handles compare equal when they name the same actor.")
    .def_property_readonly(
      "id", [](const py_handle& h) { return h.id; }, "The actor's id, unique in the process.")
    .def(
      "send",
      [](const py_handle& h, py::handle msg) {
        auto& dest = live(h);
        auto x = to_element_for(h.box->sys, h.python_values, msg);
        // A send from Python has no sender: nobody could take an answer.
        dest.enqueue(std::move(x));
      },
      py::arg("msg"), "Sends `msg` (a value, see the README's table) without waiting.")
    .def(
      "request",
      [](const py_handle& h, py::handle msg, py::object timeout) {
        double t = timeout.is_none() ? -1.0 : timeout.cast<double>();
        return blocking_request(h, msg, t);
      },
      py::arg("msg"), py::arg("timeout") = 1.0,
      "The reply to `msg` within `timeout` seconds (None: no limit). Waits with the GIL "
      "released; Ctrl-C raises KeyboardInterrupt. Errors raise their RingactorError.")
    .def(
      "_ask",
      [](const py_handle& h, py::handle msg, py::object timeout, py::handle loop, py::handle future,
         py::handle complete) {
        double t = timeout.is_none() ? -1.0 : timeout.cast<double>();
        async_request(h, msg, t, loop, future, complete);
      },
      "Starts an ask (see ringactor.Handle.ask).")
    .def(
      "send_exit",
      [](const py_handle& h, py::object reason) {
        anon_send_exit(actor{h.ptr}, reason_of(reason));
      },
      py::arg("reason") = "user_shutdown",
      "Asks the actor to exit with `reason` ('user_shutdown', 'kill', 'normal', or a text).")
    .def_property_readonly(
      "exited", [](const py_handle& h) { return !h.ptr || h.ptr->is_exiting(); },
      "Whether the actor has begun to exit.")
    .def("__eq__", [](const py_handle& x, const py_handle& y) { return x.id == y.id; })
    .def("__hash__", [](const py_handle& h) { return std::hash<actor_id>{}(h.id); })
    .def("__repr__",
         [](const py_handle& h) { return "<ringactor.Handle " + std::to_string(h.id) + ">"; });

  m.def(
    "monitor",
    [](const py_handle& watcher, const py_handle& target) {
      live(target).add_monitor(actor_addr{&live(watcher)});
    },
    "The watcher gets a DownMsg when the target exits (at once if it has).");
  m.def(
    "link",
    [](const py_handle& a, const py_handle& b) {
      auto& x = live(a);
      auto& y = live(b);
      // As local_actor::link_to: a side that exited already sends the
      // other its exit reason as if the link had fired.
      if (!y.add_link(actor_addr{&x})) {
        x.enqueue(make_mailbox_element(nullptr, message_id::urgent(),
                                       exit_msg{actor_addr{&y}, y.exit_reason(), true}));
        return;
      }
      if (!x.add_link(actor_addr{&y}))
        y.enqueue(make_mailbox_element(nullptr, message_id::urgent(),
                                       exit_msg{actor_addr{&x}, x.exit_reason(), true}));
    },
    "Links two actors: when one exits abnormally the other exits too (unless it traps exits).");
  m.def(
    "become", [](py::handle handler) { running_actor("become").become_handler(handler); },
    "From a Python actor's handler: the next messages go to `handler`.");
  m.def(
    "quit", [](py::object reason) { running_actor("quit").quit(reason_of(reason)); },
    py::arg("reason") = py::none(),
    "From a Python actor's handler: the actor ends after this message (None: normally).");
  m.def("_quiesce", &quiesce_python, py::arg("timeout"),
        "Closes the interpreter to runtime threads and waits for those in Python (atexit).");
  m.def(
    "current", [] { return running_actor("current").handle(); },
    "From a Python actor's handler: the actor's own handle.");
}

} // namespace ringactor::python
