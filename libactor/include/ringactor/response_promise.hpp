// ringactor: answer a request later, or from elsewhere.
//
//   [=](const query& q) -> result<int> {
//     auto rp = self->make_response_promise<int>();
//     self->request(db, 1s, q).then([rp](int x) mutable { rp.deliver(x); },
//                                   [rp](const error& e) mutable { rp.deliver(e); });
//     return rp;
//   }
//
// A promise that is dropped without delivering answers with broken_promise,
// so a requester never waits forever.
#pragma once

#include <atomic>
#include <memory>
#include <utility>

#include "ringactor/abstract_actor.hpp"
#include "ringactor/error.hpp"
#include "ringactor/result.hpp"
#include "ringactor/detail/trace_ref.hpp"

namespace ringactor {

class response_promise {
public:
  response_promise() noexcept = default;
  /// Takes over answering `request` (the handler's own return value is then
  /// not sent). `self` is the answering actor.
  response_promise(strong_actor_ptr self, mailbox_element& request);

  /// True until deliver() was called (or for a default-constructed promise).
  bool pending() const noexcept {
    return state_ && !state_->delivered.load(std::memory_order_acquire);
  }

  template <class T>
  void deliver(T&& value) {
    if constexpr (std::is_same_v<std::remove_cvref_t<T>, error>) {
      deliver_error(std::forward<T>(value));
    } else if constexpr (std::is_error_code_enum_v<std::remove_cvref_t<T>>) {
      deliver_error(error{value});
    } else {
      if (auto st = claim()) {
        auto x = make_mailbox_element(st->self, st->response_id, std::forward<T>(value));
        x->trace_ref = st->trace; // the request's, wherever the promise is kept
        st->requester->enqueue(std::move(x));
      }
    }
  }

  void deliver() { deliver(unit); }
  void deliver_error(error err);

  /// As deliver(value), with `origin` as the response's sender instead of
  /// the promise's actor: an actor that answers for another one names who
  /// did the work (a pool names its worker). Null: the promise's actor.
  template <class T>
  void deliver_from(strong_actor_ptr origin, T&& value) {
    static_assert(!std::is_same_v<std::remove_cvref_t<T>, error>,
                  "ringactor: deliver_from delivers a value; deliver an error with deliver()");
    if (auto st = claim()) {
      auto x = make_mailbox_element(origin ? std::move(origin) : st->self, st->response_id,
                                    std::forward<T>(value));
      x->trace_ref = st->trace;
      st->requester->enqueue(std::move(x));
    }
  }

  /// For typed interfaces: a handler returns the promise itself.
  template <class T>
  operator delegated<T>() const noexcept { // NOLINT
    return {};
  }

private:
  struct state {
    strong_actor_ptr self;
    strong_actor_ptr requester;
    message_id response_id;
    /// The request's trace context, which the response carries.
    detail::trace_ref trace;
    bool is_request = false;
    // Set once by the first deliver (exchange, acq_rel); pending() reads it.
    std::atomic<bool> delivered{false};
    ~state();
  };

  /// The state if this call is the first to deliver, else null.
  state* claim() noexcept;

  std::shared_ptr<state> state_;
};

/// A response promise whose value type is fixed by a typed interface.
template <class T>
class typed_response_promise {
public:
  typed_response_promise() noexcept = default;
  explicit typed_response_promise(response_promise rp) : rp_(std::move(rp)) {}

  bool pending() const noexcept { return rp_.pending(); }

  template <class U = T>
    requires(!std::is_void_v<U>)
  void deliver(U value) {
    rp_.deliver(std::move(value));
  }
  void deliver()
    requires std::is_void_v<T>
  {
    rp_.deliver();
  }
  void deliver(error err) { rp_.deliver_error(std::move(err)); }
  /// See response_promise::deliver_from.
  template <class U = T>
    requires(!std::is_void_v<U>)
  void deliver_from(strong_actor_ptr origin, U value) {
    rp_.deliver_from(std::move(origin), std::move(value));
  }
  void deliver_from(strong_actor_ptr origin)
    requires std::is_void_v<T>
  {
    rp_.deliver_from(std::move(origin), unit);
  }
  template <class Enum>
    requires std::is_error_code_enum_v<Enum>
  void deliver(Enum x) {
    rp_.deliver_error(error{x});
  }

  operator delegated<T>() const noexcept { return {}; } // NOLINT
  operator result<T>() const { return delegated<T>{}; } // NOLINT

private:
  response_promise rp_;
};

} // namespace ringactor
