// Command line shared by every benchmark program:
//   PROGRAM WORKLOAD [--quick | --tiny] [--workers N] [--large] [--detached-factorizer]
//           [--label IMPL]
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "workload_sizes.hpp"

namespace bench {

struct options {
  std::string workload;
  bench::scale scale = scale::full;
  /// Scheduler threads of the actor system under test.
  std::size_t workers = 2;
  /// mailbox only: 100 senders x 1,000,000 messages instead of 20 x 100,000.
  bool large = false;
  /// mixed_case only, CAF only: run each factorizer on its own thread, as CAF's
  /// original benchmark does, instead of on the `workers` scheduler threads.
  bool detached_factorizer = false;
  /// The "impl" of the JSON lines when not empty (bench/run labels the
  /// one-worker ringactor runs "ringactor_1w").
  std::string label;
};

/// Parses the command line; throws std::invalid_argument with a readable message
/// when an argument is malformed or the workload is not one of `workloads`.
options parse_options(int argc, char** argv, std::span<const std::string_view> workloads);

/// One usage paragraph naming `program` and every workload.
std::string usage(std::string_view program, std::span<const std::string_view> workloads);

} // namespace bench
