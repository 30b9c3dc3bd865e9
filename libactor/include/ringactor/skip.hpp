// ringactor: `skip`, which leaves a message in the mailbox for a later
// behavior (after become). A handler returns it, and a default handler
// (set_default_handler(skip)) applies it to every message no handler takes.
#pragma once

namespace ringactor {

/// The type of `skip`.
struct skip_t {};

/// Returned by a handler: the message stays in the mailbox, untouched and in
/// order, until the actor changes its behavior (become / unbecome); then it
/// is offered to the new behavior first.
inline constexpr skip_t skip{};

} // namespace ringactor
