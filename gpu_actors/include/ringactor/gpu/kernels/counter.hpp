// ringactor: the counter, the sample kernel with snapshot hooks: it counts
// events and sums their values, and a restarted counter continues from its
// last snapshot (snapshot_store.hpp) instead of zero. Compiled for the CPU
// backend by the host compiler and for CUDA by nvcc (gpu_actors/kernels.cu).
//
// Device-facing header (docs/device-headers.md): a kernel may include it; it
// and all it includes compile under nvcc, with no fmt, iostream or threads.
#pragma once

#include <cstdint>

#include "ringactor/gpu/device.hpp"
#include "ringactor/gpu/message_list.hpp"

namespace ringactor::kernels {

/// One event of weight `value` (>= 0); answered with the new total (an
/// int64). A negative value is a device-side error: the kernel faults.
struct count {
  std::int64_t value;
};

/// Answered with the counter's state (a counter_state).
struct read_counter {};

/// What a counter knows, and what its snapshot holds.
struct counter_state {
  std::int64_t total = 0;   ///< the sum of the values counted
  std::uint64_t events = 0; ///< how many were counted
};

struct counter {
  using inputs = message_list<count, read_counter>;
  using snapshot_type = counter_state;

  template <class Ctx>
  RINGACTOR_DEVICE void handle(Ctx& ctx, const count& m) {
    // State is shared by the whole grid: one thread updates it.
    if (!ctx.is_leader())
      return;
    ++state.events;
    // Validated after the first update, as a real kernel may discover an
    // error half way through: the fault ends the kernel with state.events
    // already changed, and that half-updated state is never published as a
    // snapshot, so a restarted counter starts from the last good one.
    if (m.value < 0) {
      ctx.fault(1);
      return;
    }
    state.total += m.value;
    ctx.reply(state.total);
  }

  template <class Ctx>
  RINGACTOR_DEVICE counter_state handle(Ctx&, const read_counter&) const {
    return state;
  }

  // -- snapshot hooks (snapshot_hooks.hpp) ---------------------------------------

  RINGACTOR_HOST_DEVICE counter_state snapshot() const { return state; }
  RINGACTOR_HOST_DEVICE void restore(const counter_state& s) { state = s; }

  counter_state state;
};

} // namespace ringactor::kernels
