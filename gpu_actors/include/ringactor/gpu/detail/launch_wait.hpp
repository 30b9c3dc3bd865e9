// ringactor: how a launch-mode wait spends the time until its launch ends
// (the CUDA backend's cuda_kernel_runner::launch_for). A launch of one
// message ends within microseconds, so the wait polls without pause first
// and then yields; it sleeps only once the launch is clearly long, and then
// for a fraction of the time already waited, so that a long launch costs
// little CPU and its end is seen at most 1/8 of its duration late. A fixed
// sleep early in the wait (the old 50 us, over 100 us with Linux's timer
// slack) would add its whole length to every short launch.
//
// Plain host C++, no CUDA: the tests drive it directly.
#pragma once

#include <algorithm>
#include <chrono>

namespace ringactor::detail {

/// One step of a launch-mode wait.
struct launch_wait_step {
  enum class kind {
    poll,  ///< query the stream again at once
    yield, ///< yield the thread, then query
    sleep, ///< sleep for `pause`, then query
  };
  kind what = kind::poll;
  std::chrono::nanoseconds pause{0}; ///< only for sleep
};

/// The policy: poll for `spin_for`, then poll and yield until `yield_for`,
/// then sleep elapsed/8, at least `min_sleep` and at most `max_sleep`.
struct launch_wait_policy {
  std::chrono::nanoseconds spin_for = std::chrono::microseconds{20};
  std::chrono::nanoseconds yield_for = std::chrono::milliseconds{2};
  std::chrono::nanoseconds min_sleep = std::chrono::microseconds{200};
  std::chrono::nanoseconds max_sleep = std::chrono::milliseconds{1};

  /// What to do after waiting `elapsed` for a launch that has not ended.
  constexpr launch_wait_step next(std::chrono::nanoseconds elapsed) const noexcept {
    if (elapsed < spin_for)
      return {launch_wait_step::kind::poll, {}};
    if (elapsed < yield_for)
      return {launch_wait_step::kind::yield, {}};
    return {launch_wait_step::kind::sleep, std::clamp(elapsed / 8, min_sleep, max_sleep)};
  }
};

} // namespace ringactor::detail
