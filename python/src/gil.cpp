// ringactor Python module: the GIL on runtime threads (gil.hpp).
#include "gil.hpp"

namespace ringactor::python {

bool interpreter_alive() noexcept {
  return Py_IsInitialized() != 0 && _Py_IsFinalizing() == 0;
}

gil_hold::gil_hold() {
  // A thread that never had a Python thread state gets one here, and keeps
  // it: the second Ensure is never released, so the counter stays above
  // zero and each later Release only hands the GIL back. Without it every
  // message a worker runs would create and clear a thread state.
  thread_local bool has_state = false;
  bool first = !has_state && PyGILState_GetThisThreadState() == nullptr;
  state_ = PyGILState_Ensure();
  if (first) {
    has_state = true;
    PyGILState_Ensure(); // kept: see above
  } else {
    has_state = true;
  }
}

gil_hold::~gil_hold() {
  PyGILState_Release(state_);
}

void py_ref::reset() noexcept {
  if (ptr_ == nullptr)
    return;
  if (!interpreter_alive()) {
    ptr_ = nullptr; // the interpreter takes its objects down itself
    return;
  }
  gil_hold gil;
  Py_DECREF(std::exchange(ptr_, nullptr));
}

} // namespace ringactor::python
