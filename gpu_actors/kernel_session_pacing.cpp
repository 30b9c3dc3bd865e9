// ringactor: how often a kernel session asks its runner whether the loop
// has exited (poll_policy.hpp: a cudaStreamQuery about once a millisecond,
// at once on a state change).
#include "ringactor/gpu/detail/kernel_session.hpp"

#include <fmt/format.h>

#include "ringactor/gpu/errors.hpp"

namespace ringactor::detail {

bool kernel_session::loop_exited(std::chrono::steady_clock::time_point now, bool retiring,
                                 stream_fault& fault) {
  if (loop_exited_)
    return true;
  // The CPU backend's answer is a read of the control block: no pacing.
  if (backend_ == kernel_backend::cuda) {
    auto state = channel_->control().state();
    bool left_active = state != kernel_state::active && state != kernel_state::launching;
    if (!stream_pacer_.due(now, retiring || left_active))
      return false;
  } else {
    stream_pacer_.due(now, true); // counted, never skipped
  }
  loop_exited_ = runner_->exited(fault);
  return loop_exited_;
}

error kernel_session::not_resident_error(std::chrono::nanoseconds waited) const {
  return error{gpu_error::not_resident,
               fmt::format("the kernel was still launching {} ms after its launch "
                           "(residency_timeout): its grid never became resident on device {}",
                           std::chrono::duration_cast<std::chrono::milliseconds>(waited).count(),
                           cfg_.device)};
}

} // namespace ringactor::detail
