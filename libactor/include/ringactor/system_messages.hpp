// ringactor: the messages the runtime itself sends. They overtake normal
// messages in a mailbox.
#pragma once

#include <cstdint>

#include "ringactor/actor.hpp"
#include "ringactor/error.hpp"

namespace ringactor {

/// Sent to a monitor when the monitored actor exits.
struct down_msg {
  actor_addr source;
  error reason; ///< empty for a normal exit
};

/// Sent along a link when the linked actor exits, or by send_exit. Unless
/// the receiver traps exits, any reason but normal ends it with the same
/// reason. A `kill` sent with send_exit cannot be trapped; the exit of a
/// killed actor reaching its links can (as Erlang's `killed`), so that a
/// supervisor survives the killing of its child.
struct exit_msg {
  actor_addr source;
  error reason;
  bool from_link = false; ///< propagated along a link, not sent directly
};

namespace detail {

/// A timer of an event-based actor rang: its earliest request deadline
/// passed, or its idle timeout (after(d) >> f) may be due.
struct timeout_msg {
  static constexpr uint64_t request_deadline = 0;
  static constexpr uint64_t idle = 1;
  uint64_t kind;
};

} // namespace detail

} // namespace ringactor
