// Timing for the wire benchmarks: the best of a few repetitions of a loop
// long enough to take at least `min_seconds`, in nanoseconds per call.
//
// Time is the calling thread's CPU time (CLOCK_THREAD_CPUTIME_ID), not the
// wall clock: the work is single-threaded and never waits, and on a machine
// shared with compiles a wall-clock loop mostly measures how long the thread
// sat descheduled. (Cache disturbance by the other processes remains.)
#pragma once

#include <cstddef>
#include <ctime>

namespace wire_bench {

/// How long and how often: --tiny runs each loop a few times (a test that
/// the benchmark works), the default runs each repetition >= 0.2 s.
struct timing {
  double min_seconds = 0.2;
  int repetitions = 5;
  std::size_t max_iterations = std::size_t{1} << 30;
};

/// Makes `p` (and what it points to) observable: the compiler must assume
/// the memory is read and written here, so it cannot drop or hoist the work
/// that produced it.
inline void keep(const void* p) {
  asm volatile("" : : "r"(p) : "memory");
}

/// Nanoseconds per call of `op`, the best of `t.repetitions` runs of n calls,
/// n doubled from 1 until one run takes at least t.min_seconds.
template <class Op>
double ns_per_op(const timing& t, Op&& op) {
  auto cpu_seconds = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
  };
  auto run = [&](std::size_t n) {
    auto start = cpu_seconds();
    for (std::size_t i = 0; i < n; ++i)
      op();
    return cpu_seconds() - start;
  };
  std::size_t n = 1;
  double elapsed = run(n);
  while (elapsed < t.min_seconds && n < t.max_iterations) {
    n *= 2;
    elapsed = run(n);
  }
  double best = elapsed;
  for (int r = 1; r < t.repetitions; ++r) {
    double e = run(n);
    if (e < best)
      best = e;
  }
  return best * 1e9 / static_cast<double>(n);
}

/// serialize_ns and deserialize_ns of one benchmark and implementation;
/// ok is false when a decoded value differed from the original.
struct result {
  bool ok = false;
  double serialize_ns = 0;
  double deserialize_ns = 0;
};

} // namespace wire_bench
