// A test NVTX tool: a shared library that NVTX loads through
// NVTX_INJECTION64_PATH (its entry point is InitializeInjectionNvtx2) and
// that records every range pushed and popped, with its domain, so that a
// test (which links the same library) can read them back.
#pragma once

#include <string>
#include <thread>
#include <vector>

namespace nvtx_recorder {

/// A range pushed or popped, as NVTX handed it to the tool.
struct event {
  enum class kind { push, pop };
  kind what;
  /// The domain's name; "" for ranges outside a domain (nvtxRangePushA).
  std::string domain;
  /// The range's name; a pop names the range it closes.
  std::string name;
  std::thread::id thread;
};

/// How many NVTX instances (one per shared object that uses NVTX) attached
/// the tool so far: 0 while no NVTX call found it.
int initializations();

/// Every event so far, in the order the threads recorded them.
std::vector<event> events();

/// The events of the calling thread in `domain`.
std::vector<event> events_of_this_thread(const std::string& domain);

/// Forgets the events recorded so far.
void clear();

} // namespace nvtx_recorder
