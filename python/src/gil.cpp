// ringactor Python module: the GIL on runtime threads (gil.hpp).
#include "gil.hpp"

#include <atomic>
#include <chrono>
#include <thread>

namespace ringactor::python {

namespace {

// A Dekker pair: python_scope increments `inside` and then reads `closing`;
// quiesce_python stores `closing` and then reads `inside`. Both sequentially
// consistent, so one of them sees the other: a scope either backs out or is
// waited for.
std::atomic<int> inside{0};
std::atomic<bool> closing{false};

} // namespace

python_scope::python_scope() noexcept {
  inside.fetch_add(1, std::memory_order_seq_cst); // pairs with quiesce_python's load
  entered_ = !closing.load(std::memory_order_seq_cst) && interpreter_alive();
  if (!entered_)
    inside.fetch_sub(1, std::memory_order_seq_cst);
}

python_scope::~python_scope() {
  if (entered_)
    inside.fetch_sub(1, std::memory_order_seq_cst); // pairs with quiesce_python's load
}

bool quiesce_python(double timeout) {
  closing.store(true, std::memory_order_seq_cst); // pairs with python_scope's load
  py::gil_scoped_release nogil;
  auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>{timeout};
  // The scope of the calling thread, if any, is its own: not waited for.
  while (inside.load(std::memory_order_seq_cst) > 0) {
    if (std::chrono::steady_clock::now() >= until)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{1});
  }
  return true;
}

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
  if (PyGILState_Check() != 0) { // a Python thread, or a handler's own
    Py_DECREF(std::exchange(ptr_, nullptr));
    return;
  }
  python_scope scope;
  if (!scope.entered()) {
    ptr_ = nullptr; // the interpreter takes its objects down itself
    return;
  }
  gil_hold gil;
  Py_DECREF(std::exchange(ptr_, nullptr));
}

} // namespace ringactor::python
