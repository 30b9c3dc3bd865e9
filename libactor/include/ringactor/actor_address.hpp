// ringactor: an actor's address as data, the wire form of actor handles.
//
// A handle field (actor, typed_actor<...>, actor_addr) is written as the
// address of the actor it names. A loaded address is a value, not a live
// handle: until remoting exists nothing turns it back into one, so a field
// that must be read from the wire is declared as actor_address.
#pragma once

#include <compare>
#include <cstdint>

#include "ringactor/abstract_actor.hpp"

namespace ringactor {

/// Where an actor lives: a node (0 is this process) and its id there.
struct actor_address {
  std::uint64_t node = 0;
  actor_id id = 0;

  friend auto operator<=>(const actor_address&, const actor_address&) = default;
};

} // namespace ringactor
