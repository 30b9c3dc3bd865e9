// ringactor: actor_cast converts between the ways to refer to an actor, as
// in CAF: strong handles (`actor`, typed handles, `strong_actor_ptr`), the
// weak `actor_addr`, and self pointers.
//
//   actor me = actor_cast<actor>(self);             // in an event-based actor
//   calculator typed_me = actor_cast<calculator>(self); // self: calculator::pointer
//   actor_addr addr = actor_cast<actor_addr>(me);
//   actor again = actor_cast<actor>(addr);          // invalid if it is gone
//
// Between strong handles the cast is unchecked (the caller knows the
// interface). A self pointer becomes a typed handle only of its own
// interface; casts that make no sense fail to compile with a message.
#pragma once

#include <type_traits>

#include "ringactor/actor.hpp"
#include "ringactor/detail/callable_trait.hpp"

namespace ringactor {

template <class... Sigs>
class typed_actor;

namespace detail {

template <class T>
inline constexpr bool is_typed_handle_v = false;
template <class... Sigs>
inline constexpr bool is_typed_handle_v<typed_actor<Sigs...>> = true;

/// What actor_cast may produce.
template <class T>
inline constexpr bool is_cast_target_v = std::is_same_v<T, actor> || is_typed_handle_v<T>
                                         || std::is_same_v<T, actor_addr>
                                         || std::is_same_v<T, strong_actor_ptr>;

/// A self pointer: a pointer to an actor class.
template <class T>
constexpr bool is_actor_pointer() {
  if constexpr (std::is_pointer_v<T>)
    return std::is_base_of_v<abstract_actor, std::remove_cv_t<std::remove_pointer_t<T>>>;
  else
    return false;
}

/// Anything else with a strong reference to an actor (scoped_actor).
template <class T>
concept has_actor_ctrl = requires(const T& x) {
  { x.ctrl() } -> std::convertible_to<strong_actor_ptr>;
};

template <class To>
To handle_from_strong(strong_actor_ptr ptr) {
  if constexpr (std::is_same_v<To, strong_actor_ptr>)
    return ptr;
  else if constexpr (std::is_same_v<To, actor_addr>)
    return actor_addr{ptr.get()};
  else
    return To{std::move(ptr)};
}

} // namespace detail

/// Converts `x` (a handle, an actor_addr, a strong_actor_ptr, a self
/// pointer, or a scoped_actor) to `To` (actor, a typed_actor<...>,
/// actor_addr or strong_actor_ptr). From an actor_addr the result is
/// invalid if the actor is gone.
template <class To, class From>
To actor_cast(const From& x) {
  static_assert(detail::is_cast_target_v<To>,
                "ringactor: actor_cast converts to actor, typed_actor<...>, actor_addr or "
                "strong_actor_ptr only");
  if constexpr (detail::is_actor_pointer<From>()) {
    using pointee = std::remove_cv_t<std::remove_pointer_t<From>>;
    if constexpr (detail::is_typed_handle_v<To>) {
      static_assert(std::is_base_of_v<typename To::base, pointee>,
                    "ringactor: actor_cast<Interface>(self) needs a self pointer of that "
                    "interface (Interface::pointer or Interface::stateful_pointer<S>); an "
                    "untyped or differently typed self casts to actor");
    }
    auto ptr = const_cast<pointee*>(x);
    return detail::handle_from_strong<To>(strong_actor_ptr{ptr});
  } else if constexpr (std::is_same_v<From, actor_addr>) {
    if constexpr (std::is_same_v<To, actor_addr>)
      return x;
    else
      return detail::handle_from_strong<To>(x.lock());
  } else if constexpr (std::is_same_v<From, strong_actor_ptr>) {
    return detail::handle_from_strong<To>(x);
  } else if constexpr (std::is_same_v<From, actor> || detail::is_typed_handle_v<From>) {
    return detail::handle_from_strong<To>(x.ctrl());
  } else if constexpr (detail::has_actor_ctrl<From>) {
    static_assert(!detail::is_typed_handle_v<To>,
                  "ringactor: a scoped_actor is untyped: actor_cast it to actor or actor_addr");
    return detail::handle_from_strong<To>(x.ctrl());
  } else {
    static_assert(detail::always_false_v<From>,
                  "ringactor: actor_cast converts from an actor handle, actor_addr, "
                  "strong_actor_ptr, self pointer or scoped_actor only");
    return To{};
  }
}

} // namespace ringactor
