// ringactor: a doorbell wakes the consumer of a ring that parked because the
// ring was empty, without making the producer pay a system call per message.
//
// The waiter (one per doorbell) reads a ticket, announces that it sleeps,
// re-checks its ring, then sleeps on `rings` as a futex. A producer publishes,
// then reads `sleeping`, and only if it is set rings. Both the announcement
// (an exchange) and the producer's read (fetch_add of 0, which writes back
// the value it read) are read-modify-writes of `sleeping` with acq_rel. RMWs
// on one variable are totally ordered, and each reads the latest value:
// either the producer's RMW comes second and sees 1 (it rings), or it comes
// first, and then the waiter's exchange reads from it and synchronizes with
// it, so the re-check sees the message. A ring that lands between the
// re-check and the futex wait changes `rings` away from the ticket, and the
// wait returns at once. (This needs no fence, which ThreadSanitizer cannot
// model.) A waiter also wakes after its timeout, so a lost wake could only
// delay it, never strand it.
//
// Device code rings by incrementing `rings` (system scope); it cannot wake a
// host futex, so a host waiter on a CUDA kernel's doorbell waits with a short
// timeout and polls.
//
// Device-facing header (docs/device-headers.md): a kernel may include it; it
// and all it includes compile under nvcc, with no fmt, iostream or threads.
#pragma once

#include <chrono>
#include <cstdint>

#include "ringactor/gpu/device.hpp"

namespace ringactor {

struct doorbell {
  /// Incremented by each ring; the futex word the waiter sleeps on.
  std::uint32_t rings = 0;
  /// 1 while the (single) waiter is parked or about to park. Set and cleared
  /// by the waiter; ringers only read it (with an RMW that writes back the
  /// value it read, see above).
  std::uint32_t sleeping = 0;
};

namespace detail {

/// Linux futex wait on `word` while it equals `expected`, at most `timeout`
/// (spurious returns allowed). Elsewhere: a short sleep.
void futex_wait(std::uint32_t* word, std::uint32_t expected,
                std::chrono::nanoseconds timeout) noexcept;
/// Wakes every thread in futex_wait on `word`.
void futex_wake_all(std::uint32_t* word) noexcept;

} // namespace detail

/// Wakes the waiter of `bell` if it sleeps. Call after publishing (the
/// release store of a ring slot or a command). Cheap when nobody sleeps: one
/// uncontended RMW.
RINGACTOR_HOST_DEVICE inline void ring_if_sleeping(doorbell& bell) noexcept {
  // Pairs with the exchange in park(): whichever of the two RMWs comes
  // second sees the other's side (see above).
  if (dev::atomic_fetch_add(bell.sleeping, std::uint32_t{0}, mem_order::acq_rel) == 0)
    return;
  // Pairs with the acquire load of the ticket in park(). The increment also
  // makes a futex wait that has not started yet return at once.
  dev::atomic_fetch_add(bell.rings, std::uint32_t{1}, mem_order::release);
#if !RINGACTOR_DEVICE_PASS
  detail::futex_wake_all(&bell.rings);
#endif
}

/// Parks the calling host thread until `ready()` holds, the doorbell rings,
/// or `timeout` passes (whichever comes first; spurious wake-ups possible).
/// Only the doorbell's single waiter calls this.
template <class Ready>
void park(doorbell& bell, Ready&& ready, std::chrono::nanoseconds timeout) {
  // Pairs with the release fetch_add in ring_if_sleeping().
  auto ticket = dev::atomic_load(bell.rings, mem_order::acquire);
  // Pairs with the fetch_add in ring_if_sleeping() (see above).
  dev::atomic_exchange(bell.sleeping, std::uint32_t{1}, mem_order::acq_rel);
  if (!ready())
    detail::futex_wait(&bell.rings, ticket, timeout);
  // Relaxed: awake again; a ringer that still reads 1 rings once too often,
  // which costs a futex wake and nothing else.
  dev::atomic_store(bell.sleeping, std::uint32_t{0}, mem_order::relaxed);
}

} // namespace ringactor
