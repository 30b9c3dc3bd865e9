// ringactor supervision: restart strategies, restart intensity and backoff,
// with the semantics of Erlang/OTP's supervisor:
//
// - one_for_one:  only the child that exited is restarted.
// - one_for_all:  all other children are stopped (in reverse start order),
//                 then all are restarted (in start order).
// - rest_for_one: the children started after the one that exited are stopped
//                 (in reverse order), then it and they are restarted (in order).
//
// Restart intensity: if more than `max_restarts` restarts happen within
// `within`, the supervisor stops all children and exits with
// supervision_error::restart_intensity_exceeded. One restart decision counts
// once, however many children it restarts.
//
// Backoff (optional): before a restart the supervisor waits
// min(max, initial * multiplier^(n-1)), n being the restarts within the
// intensity window, scaled by a random factor in [1 - jitter, 1 + jitter].
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <variant>

namespace ringactor::supervision {

using timespan = std::chrono::nanoseconds;

struct backoff {
  timespan initial = std::chrono::milliseconds{10};
  timespan max = std::chrono::seconds{1};
  double multiplier = 2.0;
  double jitter = 0.1;
};

struct one_for_one {
  size_t max_restarts = 3;
  timespan within = std::chrono::seconds{5};
  std::optional<supervision::backoff> backoff = std::nullopt;
};

struct one_for_all {
  size_t max_restarts = 3;
  timespan within = std::chrono::seconds{5};
  std::optional<supervision::backoff> backoff = std::nullopt;
};

struct rest_for_one {
  size_t max_restarts = 3;
  timespan within = std::chrono::seconds{5};
  std::optional<supervision::backoff> backoff = std::nullopt;
};

using strategy = std::variant<one_for_one, one_for_all, rest_for_one>;

} // namespace ringactor::supervision
