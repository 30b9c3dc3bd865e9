// ringactor: sending without a sender, from any thread (no scoped_actor
// needed), as CAF's anon_send:
//
//   anon_send(worker, job{42});               // typed handles check `job`
//   anon_send_exit(worker, exit_reason::kill);
//
// The receiver sees no sender: a value it returns goes nowhere.
#pragma once

#include <type_traits>
#include <utility>

#include "ringactor/actor.hpp"
#include "ringactor/error.hpp"
#include "ringactor/mailbox_element.hpp"
#include "ringactor/system_messages.hpp"
#include "ringactor/typed_actor.hpp"

namespace ringactor {

namespace detail {

/// A strong reference to what `dest` names (an actor_addr is locked).
template <class Handle>
strong_actor_ptr anon_target(const Handle& dest) {
  if constexpr (std::is_same_v<Handle, actor_addr>)
    return dest.lock();
  else
    return dest.ctrl();
}

} // namespace detail

/// Sends `msg` to `dest` with no sender, fire-and-forget. A typed `dest`
/// must accept `msg` (a compile error names the type otherwise). Sending to
/// an invalid handle does nothing. Thread-safe.
template <class Handle, class T>
void anon_send(const Handle& dest, T&& msg) {
  static_assert(!std::is_same_v<Handle, actor_addr>,
                "ringactor: anon_send needs a strong handle (actor or typed_actor<...>); "
                "actor_cast<actor>(addr) turns an actor_addr into one");
  static_assert(detail::send_check<Handle, T>::value);
  if (auto ptr = detail::anon_target(dest))
    ptr->enqueue(make_mailbox_element(nullptr, message_id{}, std::forward<T>(msg)));
}

/// Asks `dest` to exit with `reason` (an exit_msg from no one; `kill`
/// cannot be trapped). `dest` may be any handle or an actor_addr.
template <class Handle>
void anon_send_exit(const Handle& dest, error reason) {
  if (auto ptr = detail::anon_target(dest))
    ptr->enqueue(make_mailbox_element(nullptr, message_id::urgent(),
                                      exit_msg{actor_addr{}, std::move(reason)}));
}

} // namespace ringactor
