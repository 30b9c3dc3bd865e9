// ringactor: the part shared by event-based and blocking actors: a mailbox,
// sending, monitors and links, response promises and delegation.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>

#include "ringactor/abstract_actor.hpp"
#include "ringactor/actor.hpp"
#include "ringactor/behavior.hpp"
#include "ringactor/detail/lifo_inbox.hpp"
#include "ringactor/expected.hpp"
#include "ringactor/logger.hpp"
#include "ringactor/response_promise.hpp"
#include "ringactor/result.hpp"
#include "ringactor/system_messages.hpp"
#include "ringactor/typed_actor.hpp"

namespace ringactor {

using timespan = std::chrono::nanoseconds;

/// A timeout for requests that never expires (the reply guarantee then rests
/// on dead_receiver alone).
inline constexpr timespan infinite = timespan::max();

class local_actor : public abstract_actor {
public:
  explicit local_actor(actor_system& sys) : abstract_actor(sys) {}

  // -- handles to self --------------------------------------------------------

  /// A strong reference to this actor (the sender of its messages).
  strong_actor_ptr ctrl() noexcept { return strong_actor_ptr{this}; }
  actor_addr address() noexcept { return actor_addr{this}; }

  // -- sending ----------------------------------------------------------------

  /// Sends `msg` to `dest`, fire-and-forget. A typed `dest` must accept it.
  template <class Handle, class T>
  void send(const Handle& dest, T&& msg) {
    static_assert(detail::send_check<Handle, T>::value);
    if (auto ptr = detail::actor_ptr_of(dest))
      ptr->enqueue(make_mailbox_element(ctrl(), message_id{}, std::forward<T>(msg)));
  }

  /// Sends `msg` to `dest` after `delay`. The message keeps `dest` alive.
  template <class Handle, class T, class Rep, class Period>
  void delayed_send(const Handle& dest, std::chrono::duration<Rep, Period> delay, T&& msg) {
    static_assert(detail::send_check<Handle, T>::value);
    if (auto ptr = detail::actor_ptr_of(dest))
      schedule_delayed(strong_actor_ptr{ptr}, std::chrono::duration_cast<timespan>(delay),
                       make_mailbox_element(ctrl(), message_id{}, std::forward<T>(msg)));
  }

  /// Asks `dest` to exit with `reason` (an exit_msg; `kill` cannot be trapped).
  template <class Handle>
  void send_exit(const Handle& dest, error reason) {
    if (auto ptr = detail::actor_ptr_of(dest))
      ptr->enqueue(make_mailbox_element(nullptr, message_id::urgent(),
                                        exit_msg{address(), std::move(reason)}));
  }

  // -- monitors and links -----------------------------------------------------

  /// This actor receives a down_msg when `whom` exits.
  template <class Handle>
  void monitor(const Handle& whom) {
    if (auto ptr = detail::actor_ptr_of(whom))
      ptr->add_monitor(address());
  }

  template <class Handle>
  void demonitor(const Handle& whom) {
    if (auto ptr = detail::actor_ptr_of(whom))
      ptr->remove_monitor(address());
  }

  /// Links this actor and `other`: when one exits abnormally, the other
  /// receives an exit_msg (and exits too unless it traps exits).
  template <class Handle>
  void link_to(const Handle& other) {
    link_impl(detail::actor_ptr_of(other));
  }

  template <class Handle>
  void unlink_from(const Handle& other) {
    if (auto ptr = detail::actor_ptr_of(other)) {
      ptr->remove_link(address());
      remove_link(actor_addr{ptr});
    }
  }

  // -- answering requests -----------------------------------------------------

  /// The message being handled (null outside of a handler).
  mailbox_element* current_element() noexcept { return current_; }

  /// The sender of the message being handled (may be null).
  const strong_actor_ptr& current_sender() const noexcept;

  /// The trace context of the message being handled (empty when it is
  /// untraced); outside a handler, the thread's (see trace_scope). Messages
  /// this actor sends while handling it continue this trace; a request
  /// starts a child span of it.
  trace_context current_trace() const noexcept;

  /// Takes over answering the current request; see response_promise.
  template <class T = void>
  typed_response_promise<T> make_response_promise() {
    return typed_response_promise<T>{make_untyped_response_promise()};
  }
  response_promise make_untyped_response_promise();

  /// Passes the current request on to `dest`, which answers the original
  /// requester directly. Return the result from the handler.
  template <class Handle, class T>
  auto delegate(const Handle& dest, T&& msg) {
    static_assert(detail::send_check<Handle, T>::value);
    using response = typename detail::response_of<Handle, T>::type;
    auto ptr = detail::actor_ptr_of(dest);
    if (current_ == nullptr) {
      if (ptr)
        ptr->enqueue(make_mailbox_element(ctrl(), message_id{}, std::forward<T>(msg)));
    } else {
      auto mid = current_->mid;
      current_->mid.mark_answered();
      auto x = make_mailbox_element(current_->sender, mid, std::forward<T>(msg));
      if (ptr)
        ptr->enqueue(std::move(x));
      else
        bounce(*x, error{sec::dead_receiver, "delegate to an invalid handle"});
    }
    if constexpr (std::is_same_v<response, detail::dynamic_response>)
      return delegated<void>{};
    else
      return delegated<response>{};
  }

  // -- utility ----------------------------------------------------------------

  /// A fresh request id for this actor.
  message_id new_request_id() noexcept { return message_id::make_request(++last_request_); }

protected:
  void link_impl(abstract_actor* other);
  void schedule_delayed(strong_actor_ptr dest, timespan delay, mailbox_element_ptr x);
  /// Sends request `x` to `dest`; if `dest` is invalid, answers it here.
  void send_request(abstract_actor* dest, mailbox_element_ptr x);

  detail::lifo_inbox inbox_;
  mailbox_element* current_ = nullptr;
  uint64_t last_request_ = 0;
};

namespace detail {

template <class T>
inline constexpr bool is_result_v = false;
template <class T>
inline constexpr bool is_result_v<result<T>> = true;
template <class T>
inline constexpr bool is_expected_v = false;
template <class T>
inline constexpr bool is_expected_v<expected<T>> = true;
template <class T>
inline constexpr bool is_delegated_v = false;
template <class T>
inline constexpr bool is_delegated_v<delegated<T>> = true;
template <class T>
inline constexpr bool is_delegated_v<typed_response_promise<T>> = true;
template <>
inline constexpr bool is_delegated_v<response_promise> = true;

void send_error_response(local_actor* self, mailbox_element& request, error err);
void answer_abandoned_request_slow(local_actor* self, mailbox_element& request);

/// After a handler returned: a request it neither answered nor handed on
/// (it returned delegated without a promise or delegate()) would never be
/// answered; it gets broken_promise now. Inline: every handled message
/// passes here, and almost none is such a request.
inline void answer_abandoned_request(local_actor* self, mailbox_element& request) {
  if (request.mid.is_request() && request.sender) [[unlikely]]
    answer_abandoned_request_slow(self, request);
}
void send_async_result(local_actor* self, mailbox_element& request, mailbox_element_ptr x);

template <class T>
void send_response(local_actor* self, mailbox_element& request, T&& value) {
  if (!request.sender)
    return;
  if (request.mid.is_request()) {
    auto mid = request.mid.response_id();
    request.mid.mark_answered();
    request.sender->enqueue(make_mailbox_element(self->ctrl(), mid, std::forward<T>(value)));
  } else if constexpr (!std::is_same_v<std::remove_cvref_t<T>, unit_t>) {
    // As in CAF: a value returned for an asynchronous message goes back to
    // its sender as an asynchronous message. A request that a promise or a
    // delegation took over gets its answer from there, nothing besides.
    if (request.mid.is_async() && !request.mid.is_answered_request())
      send_async_result(self, request,
                        make_mailbox_element(self->ctrl(), message_id{}, std::forward<T>(value)));
  }
}

inline void respond_unit(local_actor* self, mailbox_element& request) {
  if (request.mid.is_request())
    send_response(self, request, unit);
}

template <class R>
void respond(local_actor* self, mailbox_element& request, R&& outcome) {
  using type = std::remove_cvref_t<R>;
  if constexpr (is_result_v<type>) {
    if (outcome.is_value())
      send_response(self, request, std::move(outcome.value()));
    else if (outcome.is_error())
      send_error_response(self, request, outcome.get_error());
  } else if constexpr (is_expected_v<type>) {
    if constexpr (std::is_void_v<typename type::value_type>) {
      if (outcome)
        respond_unit(self, request);
      else
        send_error_response(self, request, outcome.error());
    } else {
      if (outcome)
        send_response(self, request, std::move(*outcome));
      else
        send_error_response(self, request, outcome.error());
    }
  } else if constexpr (std::is_same_v<type, error>) {
    if (outcome)
      send_error_response(self, request, std::forward<R>(outcome));
    else
      respond_unit(self, request);
  } else if constexpr (std::is_error_code_enum_v<type>) {
    send_error_response(self, request, error{outcome});
  } else if constexpr (is_delegated_v<type>) {
    // Somebody else answers.
  } else {
    send_response(self, request, std::forward<R>(outcome));
  }
}

} // namespace detail

} // namespace ringactor
