// ringactor: what a kernel that shows no sign of life is: not resident yet
// (it never left `launching`: its grid waits for room on the device, or
// behind another grid in a hardware queue) or stalled (it ran, and its
// heartbeat stopped). The two need different cures, so the watchdog tells
// them apart: gpu_error::not_resident and gpu_error::kernel_stalled.
//
// Plain host code: the tests drive it without a kernel.
#pragma once

#include <chrono>

#include "ringactor/gpu/control_block.hpp"

namespace ringactor::detail {

enum class kernel_silence {
  none,         ///< alive, or not silent for long enough yet
  not_resident, ///< still `launching` after the residency timeout
  stalled,      ///< started, then no heartbeat for the stall timeout
};

/// The watchdog's verdict on a running kernel in `state` that was started
/// `since_start` ago and whose heartbeat last moved `since_beat` ago (since
/// the start if it never did). A kernel still launching is never called
/// stalled: it has not run yet.
inline kernel_silence judge_silence(kernel_state state, std::chrono::nanoseconds since_start,
                                    std::chrono::nanoseconds since_beat,
                                    std::chrono::nanoseconds residency_timeout,
                                    std::chrono::nanoseconds stall_timeout) noexcept {
  if (state == kernel_state::launching)
    return since_start > residency_timeout ? kernel_silence::not_resident : kernel_silence::none;
  return since_beat > stall_timeout ? kernel_silence::stalled : kernel_silence::none;
}

} // namespace ringactor::detail
