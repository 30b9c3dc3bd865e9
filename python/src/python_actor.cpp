// ringactor Python module: a Python actor (python_actor.hpp).
#include "python_actor.hpp"

#include <ringactor/actor_cast.hpp>
#include <ringactor/logger.hpp>
#include <ringactor/system_messages.hpp>

#include "errors.hpp"
#include "python_objects.hpp"
#include "values.hpp"

namespace ringactor::python {

namespace {

/// The Python actor whose handler runs on this thread (become, quit).
thread_local python_actor* running = nullptr;

/// Sets `running` for the scope of one handler call.
class running_scope {
public:
  explicit running_scope(python_actor* self) noexcept : outer_(running) { running = self; }
  ~running_scope() { running = outer_; }
  running_scope(const running_scope&) = delete;
  running_scope& operator=(const running_scope&) = delete;

private:
  python_actor* outer_;
};

/// The behavior's only handler takes a type nobody sends: every message
/// goes to the default handler (an empty behavior would end the actor).
struct never_sent {};

} // namespace

python_actor::python_actor(actor_system& sys, py_ref handler, py_ref owner, bool trap_exit,
                           std::weak_ptr<system_box> box)
  : event_based_actor(sys),
    handler_(std::move(handler)),
    owner_(std::move(owner)),
    trap_exit_(trap_exit),
    box_(std::move(box)) {}

python_actor::~python_actor() = default; // py_ref takes the GIL if on_exit did not run

python_actor* python_actor::current() noexcept {
  return running;
}

behavior python_actor::make_behavior() {
  set_default_handler([this](scheduled_actor*, mailbox_element& x) -> default_handler_result {
    return dispatch(x);
  });
  set_down_handler([this](down_msg& x) { deliver_system_message("DownMsg", x.source, x.reason); });
  if (trap_exit_)
    set_exit_handler([this](exit_msg& x) {
      deliver_system_message("ExitMsg", x.source, x.reason);
    });
  return behavior{[](never_sent) {}};
}

void python_actor::become_handler(py::handle handler) {
  handler_ = py_ref{handler};
}

py_handle python_actor::handle() {
  return py_handle{ctrl(), id(), box_.lock()};
}

void python_actor::on_exit() {
  python_scope scope;
  if (!scope.entered()) { // the interpreter is going away, and its objects with it
    handler_.leak();
    owner_.leak();
    return;
  }
  gil_hold gil;
  handler_.reset();
  owner_.reset();
}

py::object python_actor::run_handler(py::handle msg, error& failed) {
  running_scope scope{this};
  try {
    return handler_.get()(msg);
  } catch (py::error_already_set& e) {
    failed = error{exit_reason::unhandled_exception, describe_python_error(e)};
  } catch (const std::exception& e) {
    failed = error{exit_reason::unhandled_exception, e.what()};
  }
  quit(failed);
  return py::none();
}

default_handler_result python_actor::dispatch(mailbox_element& x) {
  // Copied out before the GIL is taken: nothing of the runtime is held
  // while this thread waits for it.
  auto value = detach(x);
  bool is_request = x.mid.is_request();
  // A pool of Python workers sends Python objects unconverted and takes
  // its answers as they are (py_value): its typed forwarder matches them.
  bool python_values = x.get_if<py_value>() != nullptr;
  if (!value) {
    log_warn("Python actor {}: a message it cannot take: {}", id(), value.error());
    return value.error(); // answers a request; an asynchronous message is dropped
  }
  // An actor that a shutdown killed while a worker ran it (the worker was
  // detached) may still hold messages: they are not handled.
  if (is_exiting() || !handler_)
    return error{sec::dead_receiver, "the Python actor is exiting"};
  python_scope scope;
  if (!scope.entered())
    return error{sec::dead_receiver, "the Python interpreter is shutting down"};
  gil_hold gil;
  py::object msg;
  try {
    msg = to_python(std::move(*value));
  } catch (py::error_already_set& e) {
    return error{sec::runtime_error, describe_python_error(e)};
  }
  error failed;
  auto result = run_handler(msg, failed);
  if (failed)
    return failed; // the actor quit: a requester gets the reason
  if (!is_request)
    return error{}; // consumed: nothing answers an asynchronous message
  try {
    default_handler_result reply{unit_t{}};
    if (python_values)
      reply.value() = make_mailbox_element(nullptr, message_id{}, wrap_python(result));
    else
      reply.value() = to_element(system(), result);
    return reply;
  } catch (py::error_already_set& e) {
    return error{sec::runtime_error,
                 "the reply of a Python actor has no C++ form: " + describe_python_error(e)};
  } catch (const std::exception& e) {
    return error{sec::runtime_error,
                 std::string{"the reply of a Python actor has no C++ form: "} + e.what()};
  }
}

void python_actor::deliver_system_message(const char* cls, const actor_addr& source,
                                          const error& reason) {
  if (!handler_ || is_exiting())
    return;
  python_scope scope;
  if (!scope.entered())
    return;
  auto src = actor_cast<actor>(source);
  py_handle h{src.ctrl(), source.id(), src ? box_.lock() : nullptr};
  gil_hold gil;
  py::object msg;
  try {
    static PyObject* messages = nullptr; // see python_objects.hpp
    auto mod = cached_attr(messages, "ringactor.messages", "__dict__");
    py::object r = reason ? make_exception(reason) : py::none();
    msg = py::reinterpret_borrow<py::dict>(mod)[cls](py::cast(std::move(h)), r);
  } catch (py::error_already_set& e) {
    log_warn("Python actor {}: a {} could not be built: {}", id(), cls, describe_python_error(e));
    return;
  }
  error failed;
  run_handler(msg, failed);
}

} // namespace ringactor::python
