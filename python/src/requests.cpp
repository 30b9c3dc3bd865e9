// ringactor Python module: requests from Python (requests.hpp).
#include "requests.hpp"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <atomic>

#include <ringactor/callback_request.hpp>
#include <ringactor/detail/spin_lock.hpp>

#include "errors.hpp"
#include "gil.hpp"
#include "values.hpp"

namespace ringactor::python {

namespace {

using raw_callback = detail::callback_sink::callback;

/// A callback request with a message whose type is known at run time: what
/// callback_request does after it made the element.
request_ticket send_request(const py_handle& dest, mailbox_element_ptr x, double timeout,
                            raw_callback cb) {
  auto& sys = dest.box->sys;
  auto mid = detail::next_callback_request_id();
  intrusive_ptr<detail::callback_sink> sink{new detail::callback_sink(sys, mid, std::move(cb)),
                                            false};
  if (timeout >= 0) {
    auto span = std::chrono::duration_cast<detail::callback_sink::clock::duration>(
      std::chrono::duration<double>{timeout});
    detail::watch_deadline(sys, *sink, detail::callback_sink::clock::now() + span);
  }
  x->sender = strong_actor_ptr{sink.get()};
  x->mid = mid;
  begin_request_span(*x);
  if (dest.ptr) {
    dest.ptr->enqueue(std::move(x));
  } else {
    error err{sec::dead_receiver, "request to a handle of an actor that is gone"};
    sink->complete(nullptr, &err);
  }
  return request_ticket{std::move(sink)};
}

/// The outcome of a request, copied out of the runtime's element.
expected<detached_value> outcome_of(mailbox_element* x, const error* err) {
  if (err != nullptr)
    return *err;
  auto v = detach(*x);
  if (v && std::holds_alternative<error>(*v))
    return std::get<error>(*v); // an error reply
  return v;
}

/// What a blocking request waits on.
struct waiter {
  std::mutex mtx;
  std::condition_variable cv;
  std::optional<expected<detached_value>> outcome; // guarded by mtx
  // Stored with release after `outcome` was set (under mtx); the waiter's
  // spin loads it with acquire, so it sees the outcome without the mutex.
  std::atomic<bool> ready{false};
};

/// How long a blocking request on this thread spins (GIL released) before
/// it sleeps on the condition variable, adapted as a blocking actor's spin
/// is (libactor/blocking_actor.cpp): doubled (up to the system's
/// idle_spin) when a reply came while spinning, halved when none did. A
/// reply of a local actor usually comes within microseconds, while a futex
/// wake-up of a thread whose core went idle costs 10-20 us on its own (a
/// quiet 2-core machine: python_request p50 18 us with no spin, against
/// 1.2 us from C++ in the same run). Where the requester's core is needed
/// by the thread it waits for, the spin finds nothing and shrinks away.
thread_local timespan spin_budget{std::chrono::microseconds{1}};

/// How long one wait lasts before the waiter checks for signals.
constexpr auto signal_poll = std::chrono::milliseconds{20};

void check_handle(const py_handle& dest) {
  if (!dest.box)
    raise_error(error{sec::dead_receiver, "request to a handle of an actor that is gone"});
}

} // namespace

py::object blocking_request(const py_handle& dest, py::handle msg, double timeout) {
  check_handle(dest);
  auto x = to_element_for(dest.box->sys, dest.python_values, msg);
  auto w = std::make_shared<waiter>();
  auto ticket = send_request(dest, std::move(x), timeout, [w](mailbox_element* x, const error* e) {
    auto out = outcome_of(x, e);
    {
      std::lock_guard guard{w->mtx};
      w->outcome.emplace(std::move(out));
      w->ready.store(true, std::memory_order_release); // pairs with the spin's acquire load
    }
    // After unlocking, to the one waiter: woken under the lock, the
    // requester would at once block on the mutex again (perf of the smoke
    // bench showed the lock's futex wait and wake). `w` outlives the call:
    // this callback holds it.
    w->cv.notify_one();
  });
  {
    py::gil_scoped_release nogil;
    auto limit = dest.box->sys.config().idle_spin;
    auto until = std::chrono::steady_clock::now() + std::min(spin_budget, limit);
    bool got = false;
    for (unsigned i = 0;; ++i) {
      // Pairs with the release store in the callback.
      if (w->ready.load(std::memory_order_acquire)) {
        got = true;
        break;
      }
      if ((i & 15) == 15 && std::chrono::steady_clock::now() >= until)
        break;
      detail::cpu_relax();
    }
    spin_budget = got ? std::min<timespan>(limit, std::max<timespan>(spin_budget * 2,
                                                                     std::chrono::microseconds{1}))
                      : spin_budget / 2;
  }
  // Pairs with the release store in the callback: a reply that came while
  // spinning needs no second round without the GIL.
  while (!w->ready.load(std::memory_order_acquire)) {
    bool done;
    {
      py::gil_scoped_release nogil;
      std::unique_lock guard{w->mtx};
      done = w->outcome.has_value()
             || w->cv.wait_for(guard, signal_poll, [&] { return w->outcome.has_value(); });
    }
    if (done)
      break;
    if (PyErr_CheckSignals() != 0) {
      ticket.abandon(error{sec::request_timeout, "interrupted by a signal"});
      throw py::error_already_set();
    }
  }
  std::unique_lock guard{w->mtx}; // a spinning requester may see `ready` before the unlock
  auto out = std::move(*w->outcome);
  guard.unlock();
  if (!out)
    raise_error(out.error());
  return to_python(std::move(*out), dest.box);
}

void async_request(const py_handle& dest, py::handle msg, double timeout, py::handle loop,
                   py::handle future, py::handle complete) {
  check_handle(dest);
  auto x = to_element_for(dest.box->sys, dest.python_values, msg);
  // Held by the callback, which runs exactly once; py_ref drops them with
  // the GIL held should it never run (the system died with the request).
  struct target {
    py_ref loop, future, complete;
  };
  auto t = std::make_shared<target>(target{py_ref{loop}, py_ref{future}, py_ref{complete}});
  // Weak: the system must not end in a runtime thread's callback (its
  // shutdown would wait for that thread). Locked only for a value that
  // holds handles (a supervisor's children).
  std::weak_ptr<system_box> weak_box = dest.box;
  send_request(dest, std::move(x), timeout, [t, weak_box](mailbox_element* x, const error* e) {
    auto out = outcome_of(x, e);
    python_scope scope;
    if (!scope.entered()) { // the interpreter is closing: nobody awaits the future
      t->loop.leak();
      t->future.leak();
      t->complete.leak();
      return;
    }
    gil_hold gil;
    auto loop = t->loop.take();
    auto future = t->future.take();
    auto complete = t->complete.take();
    try {
      std::shared_ptr<system_box> box;
      if (out && std::holds_alternative<std::vector<supervision::child_info>>(*out))
        box = weak_box.lock();
      py::object value = out ? to_python(std::move(*out), box) : make_exception(out.error());
      loop.attr("call_soon_threadsafe")(complete, future, static_cast<bool>(out), value);
    } catch (py::error_already_set& err) {
      // The loop is closed: nobody awaits the future any more.
      describe_python_error(err);
    }
  });
}

} // namespace ringactor::python
