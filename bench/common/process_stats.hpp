// What the operating system says about this process: resident memory, CPU time,
// and the order statistics the latency workload reports.
#pragma once

#include <cstddef>
#include <vector>

namespace bench {

/// Resident set size in bytes, from /proc/self/statm.
std::size_t resident_bytes();

/// The largest resident set size this process had so far, in MiB (getrusage's
/// ru_maxrss). Each workload runs in its own process, so this is its peak.
double peak_resident_mib();

/// User plus system CPU time of all threads of this process, in seconds.
double cpu_seconds();

/// The `p`-th percentile (0 < p <= 100) of `samples` by nearest rank; reorders
/// `samples`. Returns 0 for an empty vector.
double percentile(std::vector<double>& samples, double p);

} // namespace bench
