// ringactor Python module: a Python actor. Its handler (a function, or a
// class instance's receive / __call__) gets every message as a Python value
// (values.hpp) on a worker of the scheduler, under the GIL, which it takes
// for the handler only. What the handler returns answers a request (None:
// unit_t, the empty reply a C++ requester of a void interface expects); for
// an asynchronous message it is dropped. A handler that raises ends the
// actor with exit_reason::unhandled_exception and the exception's text.
// Down messages reach the handler as ringactor.DownMsg; exit messages, when
// the actor traps them, as ringactor.ExitMsg (else a link's abnormal exit
// ends it as any actor).
#pragma once

#include <memory>

#include <ringactor/default_handler.hpp>
#include <ringactor/scheduled_actor.hpp>

#include "gil.hpp"
#include "handle.hpp"

namespace ringactor::python {

class python_actor final : public event_based_actor {
public:
  /// `handler` is called with each message; `owner` (may be None) is the
  /// class instance it belongs to, kept alive with it.
  python_actor(actor_system& sys, py_ref handler, py_ref owner, bool trap_exit,
               std::weak_ptr<system_box> box);
  ~python_actor() override;

  behavior make_behavior() override;

  /// The Python actor whose handler runs on this thread, or null.
  static python_actor* current() noexcept;

  /// ringactor.become: the next message goes to `handler` (GIL held).
  void become_handler(py::handle handler);

  /// A handle of this actor for Python.
  py_handle handle();

protected:
  /// Drops the Python objects with the GIL held: the actor may end on any
  /// thread (a worker, or the one that drops its last handle).
  void on_exit() override;

private:
  default_handler_result dispatch(mailbox_element& x);
  /// Runs the handler with `msg`; its result, or the error it ended the
  /// actor with. GIL held.
  py::object run_handler(py::handle msg, error& failed);
  void deliver_system_message(const char* cls, const actor_addr& source, const error& reason);

  py_ref handler_;
  py_ref owner_;
  bool trap_exit_;
  std::weak_ptr<system_box> box_;
};

} // namespace ringactor::python
