// ringactor: the interface vocabulary, declared only: enough for a kernel
// header to declare the interface it implements next to the kernel struct,
//
//   #include <ringactor/gpu/message_list.hpp>
//   #include <ringactor/typed_actor_fwd.hpp>
//   struct add { int a, b; };
//   using adder_actor = ringactor::typed_actor<ringactor::result<int>(add)>;
//   struct adder { using inputs = ringactor::message_list<add>; ... };
//
// and still compile under nvcc (which rejects fmt 9, which the full
// typed_actor.hpp includes through error.hpp). Host code that spawns or
// messages the actor includes <ringactor/typed_actor.hpp> (or all.hpp).
//
// Device-facing header: it includes nothing, so a kernel may include it (see
// docs/device-headers.md for the whole set).
#pragma once

namespace ringactor {

/// A strong handle to an actor with the interface `Sigs...`
/// (ringactor/typed_actor.hpp defines it).
template <class... Sigs>
class typed_actor;

/// What a handler returns (ringactor/result.hpp defines it, with T = void by
/// default: a kernel header writes `result<void>` rather than `result<>`).
template <class T>
class result;

} // namespace ringactor
