// ringactor supervision: error codes and exit reasons of supervisors and pools.
#pragma once

#include <system_error>

namespace ringactor::supervision {

enum class supervision_error : int {
  /// More than R restarts within T: the supervisor (or pool) gave up and
  /// exits with this reason; its own supervisor decides what happens next.
  restart_intensity_exceeded = 1,
  /// A pool worker died with the request in flight (pool not idempotent).
  worker_failed,
  /// No pool worker was live for the request's whole queueing time, or
  /// the waiting queue was full.
  pool_unavailable,
  /// A child's factory threw or returned an invalid handle.
  child_start_failed,
  /// No child with that name.
  no_such_child,
  /// A child with that name exists already.
  duplicate_child,
  /// The requester cancelled the request (cancel_request) before a worker
  /// answered it.
  request_cancelled,
};

const std::error_category& supervision_category() noexcept;

inline std::error_code make_error_code(supervision_error x) noexcept {
  return {static_cast<int>(x), supervision_category()};
}

} // namespace ringactor::supervision

template <>
struct std::is_error_code_enum<ringactor::supervision::supervision_error> : std::true_type {};
