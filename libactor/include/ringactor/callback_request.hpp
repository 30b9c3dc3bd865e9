// ringactor: a request made from outside any actor whose answer goes to a
// callback, with no actor spawned and no thread blocked:
//
//   auto ticket = callback_request(sys, adder, 500ms, add{1, 2},
//                                  [](std::int32_t sum) { ... },
//                                  [](const error& err) { ... });
//
// The receiver sees an ordinary request (message_id, sender); its requester
// is a small sink object that takes exactly one answer: the reply, the error
// reply, request_timeout once the timeout has passed (the deadline), or the
// error given to ticket.abandon(). Exactly one of the two callbacks runs,
// once, on the thread that completes the request: the receiver's worker (or
// a kernel's completion thread), the system's timer thread, the thread that
// calls abandon(), or the calling thread when the handle is invalid. The
// callbacks must not block; they are released as soon as one ran.
//
// It is what a network front needs (service::registry): a scoped_actor
// blocks its thread for the reply, and an actor spawned per request costs a
// spawn, a scheduling hop and a timer entry per request. Deadlines are kept
// in one list per actor system (ordered by deadline, one timer armed at a
// time), and a request that completes leaves it at once.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <type_traits>
#include <utility>

#include "ringactor/abstract_actor.hpp"
#include "ringactor/actor.hpp"
#include "ringactor/actor_system.hpp"
#include "ringactor/error.hpp"
#include "ringactor/mailbox_element.hpp"
#include "ringactor/message_id.hpp"
#include "ringactor/result.hpp"
#include "ringactor/scheduled_actor.hpp"
#include "ringactor/typed_actor.hpp"

namespace ringactor {

namespace detail {

class request_deadlines;

/// The requester of one callback_request: takes its answer and nothing else.
class callback_sink final : public abstract_actor {
public:
  using callback = std::function<void(mailbox_element* x, const error* err)>;
  using clock = std::chrono::steady_clock;

  callback_sink(actor_system& sys, message_id mid, callback f);
  ~callback_sink() override;

  /// Takes the response to this sink's request (the first answer wins; a
  /// later one is dropped). Anything else is refused: a request is answered
  /// with unexpected_message, other messages are dropped.
  bool enqueue(mailbox_element_ptr x) override;

  /// Completes the request with `x` (a response) or `err`, unless it
  /// completed already; true if this call did. Thread-safe.
  bool complete(mailbox_element* x, const error* err);

  message_id id() const noexcept { return mid_; }
  bool done() const noexcept {
    // Pairs with the exchange in complete().
    return done_.load(std::memory_order_acquire);
  }

protected:
  void on_unreachable() override;

private:
  friend class request_deadlines;

  message_id mid_;
  // Set once by the thread that completes the request; acq_rel in complete().
  std::atomic<bool> done_{false};
  callback f_;
  // In the system's deadline list (guarded by its mutex).
  clock::time_point deadline_ = clock::time_point::max();
  callback_sink* prev_ = nullptr;
  callback_sink* next_ = nullptr;
  bool linked_ = false;
};

/// A fresh request number for a callback request of this process: never
/// 0, and apart from an actor's own numbering it does not need to be (the
/// sink is the requester, and it makes one request).
message_id next_callback_request_id() noexcept;

/// Puts `sink` in its system's deadline list (it fails with
/// request_timeout at `deadline` unless it completed before).
void watch_deadline(actor_system& sys, callback_sink& sink,
                    callback_sink::clock::time_point deadline);

} // namespace detail

/// The caller's side of a callback_request: its id and requester, to name
/// the request to its receiver (e.g. cancel_request), and a way
/// to give up on it.
class request_ticket {
public:
  request_ticket() = default;
  explicit request_ticket(intrusive_ptr<detail::callback_sink> sink) : sink_(std::move(sink)) {}

  /// The request's id as its receiver sees it (message_id::number()).
  message_id id() const noexcept { return sink_ ? sink_->id() : message_id{}; }

  /// The request's requester: the sender its receiver saw.
  strong_actor_ptr requester() const noexcept { return strong_actor_ptr{sink_.get()}; }

  /// Whether the request has its answer (or gave up) already.
  bool done() const noexcept { return !sink_ || sink_->done(); }

  /// Sends `msg` to `dest` with the request's requester as its sender (a
  /// receiver that matches messages to requests by their sender, as a
  /// worker pool matches a cancel_request, finds this request).
  template <class Handle, class T>
  void send_as_requester(const Handle& dest, T&& msg) const {
    if (auto ptr = detail::actor_ptr_of(dest); ptr != nullptr && sink_)
      ptr->enqueue(make_mailbox_element(requester(), message_id{}, std::forward<T>(msg)));
  }

  /// Completes the request with `err` now unless it completed already
  /// (the error callback runs on this thread); a reply that comes later is
  /// dropped. True if this call completed it.
  bool abandon(error err) const { return sink_ && sink_->complete(nullptr, &err); }

  explicit operator bool() const noexcept { return static_cast<bool>(sink_); }

private:
  intrusive_ptr<detail::callback_sink> sink_;
};

/// Sends `msg` to `dest` as a request from no actor (see the top of this
/// file): `on_value` gets the reply (nothing for an empty one), `on_error`
/// the error (request_timeout after `timeout`; infinite: no deadline).
/// `on_value` may also take the responder, the response's sender, as its
/// last argument (const strong_actor_ptr&): the actor that answered, or for
/// a pool the worker that did the work (response_promise::deliver_from).
template <class Handle, class T, class Rep, class Period, class F, class E>
request_ticket callback_request(actor_system& sys, const Handle& dest,
                                std::chrono::duration<Rep, Period> timeout, T&& msg, F on_value,
                                E on_error) {
  static_assert(detail::send_check<Handle, T>::value);
  using response = typename detail::response_of<Handle, T>::type;
  constexpr bool with_responder = [] {
    if constexpr (std::is_void_v<response>)
      return std::is_invocable_v<F&, const strong_actor_ptr&>;
    else if constexpr (std::is_same_v<response, detail::dynamic_response>)
      return false;
    else
      return std::is_invocable_v<F&, response&, const strong_actor_ptr&>;
  }();
  detail::callback_sink::callback cb;
  if constexpr (with_responder) {
    cb = detail::make_response_callback<true>(std::move(on_value), std::move(on_error));
  } else {
    detail::check_response_callback<response, F>();
    cb = detail::make_response_callback(std::move(on_value), std::move(on_error));
  }
  auto mid = detail::next_callback_request_id();
  intrusive_ptr<detail::callback_sink> sink{new detail::callback_sink(sys, mid, std::move(cb)),
                                            false};
  auto span = std::chrono::duration_cast<timespan>(timeout);
  if (span != infinite)
    detail::watch_deadline(sys, *sink, detail::callback_sink::clock::now() + span);
  auto x = make_mailbox_element(strong_actor_ptr{sink.get()}, mid, std::forward<T>(msg));
  begin_request_span(*x);
  if (auto ptr = detail::actor_ptr_of(dest)) {
    ptr->enqueue(std::move(x));
  } else {
    error err{sec::dead_receiver, "request to an invalid handle"};
    sink->complete(nullptr, &err);
  }
  return request_ticket{std::move(sink)};
}

} // namespace ringactor
