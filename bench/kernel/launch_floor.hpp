// The raw floor of launch mode on CUDA (issue 17, defect 6): what one kernel
// launch per message costs with nothing of ringactor in the way. The
// requesting thread launches a kernel that takes the message by value,
// writes the answer to pinned mapped host memory, and waits with
// cudaStreamSynchronize; then it reads the answer.
#pragma once

#include <string>
#include <vector>

namespace bench {

/// Round trips in microseconds, `count` of them after a warm-up of
/// count/10, of the adder's `add` on CUDA device 0. Throws
/// std::runtime_error with CUDA's message when there is no usable device or
/// an answer is wrong. Built only where the build has CUDA
/// (RINGACTOR_BENCH_LAUNCH_FLOOR).
std::vector<double> launch_floor_round_trips_us(int count);

} // namespace bench
