// ringactor Python module: the GIL on runtime threads. The scheduler's
// workers, the timer thread and kernels' completion threads are no Python
// threads; they take the GIL only to run Python code (a Python actor's
// handler, an asyncio completion) and never while they hold a runtime lock.
// Python objects that the runtime keeps (a Python actor's handler, the
// future of an `ask`) are held by py_ref, which drops them with the GIL
// held, or leaks them once the interpreter is finalizing (the GIL can no
// longer be taken then; the objects die with the interpreter).
#pragma once

#include <utility>

#include <pybind11/pybind11.h>

namespace ringactor::python {

namespace py = pybind11;

/// Whether a thread may take the GIL now: the interpreter runs and is not
/// finalizing (a thread that takes the GIL during finalization is parked
/// for good).
bool interpreter_alive() noexcept;

/// Marks a call into Python from a runtime thread (a handler, an ask's
/// completion, dropping a reference) for its scope. `entered()` is false,
/// and the caller must not touch Python, once the interpreter is closing:
/// from the atexit hook on (quiesce_python), or when it is finalizing. A
/// thread that is inside Python when the interpreter finalizes is stopped
/// by it, mid-call; the atexit hook therefore waits for every scope to end.
class python_scope {
public:
  python_scope() noexcept;
  ~python_scope();
  python_scope(const python_scope&) = delete;
  python_scope& operator=(const python_scope&) = delete;

  bool entered() const noexcept { return entered_; }

private:
  bool entered_;
};

/// Closes the interpreter to runtime threads (no python_scope enters from
/// now on) and waits, with the GIL released, up to `timeout` seconds for
/// those inside to leave; false if some are still inside. The atexit hook
/// calls it after it shut every system down.
bool quiesce_python(double timeout);

/// Holds the GIL on any thread for its scope. A runtime thread keeps its
/// Python thread state between scopes (pybind11's gil_scoped_acquire would
/// create and destroy one per message); a thread that holds the GIL already
/// just nests.
class gil_hold {
public:
  gil_hold();
  ~gil_hold();
  gil_hold(const gil_hold&) = delete;
  gil_hold& operator=(const gil_hold&) = delete;

private:
  PyGILState_STATE state_;
};

/// A strong reference to a Python object that any thread may drop: it is
/// released with the GIL held (taken if needed), or leaked once the
/// interpreter is finalizing.
class py_ref {
public:
  py_ref() noexcept = default;
  /// Takes a new reference to `x` (the caller holds the GIL).
  explicit py_ref(py::handle x) noexcept : ptr_(x.inc_ref().ptr()) {}
  py_ref(py_ref&& x) noexcept : ptr_(std::exchange(x.ptr_, nullptr)) {}
  py_ref& operator=(py_ref&& x) noexcept {
    if (this != &x) {
      reset();
      ptr_ = std::exchange(x.ptr_, nullptr);
    }
    return *this;
  }
  py_ref(const py_ref&) = delete;
  py_ref& operator=(const py_ref&) = delete;
  ~py_ref() { reset(); }

  /// A new reference to the object (the caller holds the GIL).
  py::object get() const { return py::reinterpret_borrow<py::object>(ptr_); }
  /// Moves the reference out (the caller holds the GIL).
  py::object take() noexcept {
    return py::reinterpret_steal<py::object>(std::exchange(ptr_, nullptr));
  }
  explicit operator bool() const noexcept { return ptr_ != nullptr; }

  /// Drops the reference (see the class comment).
  void reset() noexcept;
  /// Forgets the reference without dropping it (the interpreter is
  /// closing: its objects go with it).
  void leak() noexcept { ptr_ = nullptr; }

private:
  PyObject* ptr_ = nullptr;
};

} // namespace ringactor::python
