// ringactor: a strong handle to an actor with a typed interface.
//
//   using adder = typed_actor<result<int>(add)>;
//   adder::behavior_type adder_impl(adder::pointer self) {
//     return {[](add m) { return m.a + m.b; }};
//   }
//
// Sending a message the interface does not accept is a compile error that
// names the message type.
#pragma once

#include <functional>

#include "ringactor/actor.hpp"
#include "ringactor/actor_cast.hpp"
#include "ringactor/interface.hpp"
#include "ringactor/typed_actor_fwd.hpp"

namespace ringactor {

template <class... Sigs>
class typed_behavior;
template <class... Sigs>
class typed_event_based_actor;
template <class State, class Base>
class stateful_actor;

template <class... Sigs>
class typed_actor {
public:
  using signatures = type_list<Sigs...>;
  using behavior_type = typed_behavior<Sigs...>;
  /// The actor type behind `pointer` (for class-based typed actors).
  using base = typed_event_based_actor<Sigs...>;
  /// The self pointer of a function-based typed actor.
  using pointer = typed_event_based_actor<Sigs...>*;
  /// The self pointer of a typed actor with state `State`.
  template <class State>
  using stateful_pointer = stateful_actor<State, typed_event_based_actor<Sigs...>>*;

  typed_actor() noexcept = default;
  explicit typed_actor(strong_actor_ptr ptr) noexcept : ptr_(std::move(ptr)) {}

  actor_id id() const noexcept { return ptr_ ? ptr_->id() : 0; }
  actor_addr address() const noexcept { return actor_addr{ptr_.get()}; }
  explicit operator bool() const noexcept { return static_cast<bool>(ptr_); }
  const strong_actor_ptr& ctrl() const noexcept { return ptr_; }
  abstract_actor* get() const noexcept { return ptr_.get(); }

  friend bool operator==(const typed_actor& x, const typed_actor& y) noexcept {
    return x.ptr_ == y.ptr_;
  }

private:
  strong_actor_ptr ptr_;
};

template <class T>
inline constexpr bool is_typed_actor_v = false;
template <class... Sigs>
inline constexpr bool is_typed_actor_v<typed_actor<Sigs...>> = true;

namespace detail {

/// Compile-time check that `Handle` accepts `M` (always true for untyped).
template <class Handle, class M>
struct send_check {
  static constexpr bool value = true;
};

template <class... Sigs, class M>
struct send_check<typed_actor<Sigs...>, M> {
  static constexpr bool value = message_accepted_by_interface<
    std::remove_cvref_t<M>, interface_accepts_v<M, Sigs...>>::value;
};

/// The response type of a request of M to Handle; `void` answers with unit,
/// `dynamic_response` means untyped (the continuation decides).
struct dynamic_response {};

template <class Handle, class M>
struct response_of {
  using type = dynamic_response;
};

template <class... Sigs, class M>
struct response_of<typed_actor<Sigs...>, M> {
  using type = typename response_type_of<M, Sigs...>::type;
};

} // namespace detail

} // namespace ringactor

template <class... Sigs>
struct std::hash<ringactor::typed_actor<Sigs...>> {
  size_t operator()(const ringactor::typed_actor<Sigs...>& x) const noexcept {
    return std::hash<ringactor::actor_id>{}(x.id());
  }
};
