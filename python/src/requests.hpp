// ringactor Python module: requests from Python. Both kinds are callback
// requests (ringactor/callback_request.hpp): no actor is spawned and no
// runtime thread blocks. request() waits on its calling thread with the
// GIL released, in slices, checking for signals between them (Ctrl-C
// raises KeyboardInterrupt and abandons the request); ask() completes an
// asyncio future on its loop (loop.call_soon_threadsafe) from the thread
// that completes the request, which takes the GIL for that call only.
#pragma once

#include <chrono>

#include <pybind11/pybind11.h>

#include "handle.hpp"

namespace ringactor::python {

namespace py = pybind11;

/// The reply to `msg` from `dest` within `timeout` (negative: none), as a
/// Python object; raises the request's error as its exception.
py::object blocking_request(const py_handle& dest, py::handle msg, double timeout);

/// Sends `msg` to `dest` as a request and completes `future` (an asyncio
/// future of `loop`) with the reply or the error's exception through
/// `complete(future, ok, value)`, called on the loop.
void async_request(const py_handle& dest, py::handle msg, double timeout, py::handle loop,
                   py::handle future, py::handle complete);

} // namespace ringactor::python
