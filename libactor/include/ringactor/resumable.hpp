// ringactor: something a scheduler worker can run: an actor with messages.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ringactor {

namespace detail {
struct worker_counters;
} // namespace detail

class resumable {
public:
  enum class resume_result {
    resume_later, ///< used its time slice; put it back in a run queue
    awaiting,     ///< nothing to do; it will be scheduled again by a push
    done,         ///< it terminated
  };

  virtual ~resumable() = default;
  /// Runs at most `max_throughput` messages.
  virtual resume_result resume(detail::worker_counters& counters, size_t max_throughput) = 0;
  /// The scheduler holds a reference while the resumable is queued or runs.
  virtual void ref_resumable() noexcept = 0;
  virtual void deref_resumable() noexcept = 0;
};

} // namespace ringactor
