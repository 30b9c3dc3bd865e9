// ringactor: the completion poller's pacing: how long it spins, yields and
// parks between rounds, and how often it asks CUDA about a kernel's stream.
//
// CPU kernels ring the poller's doorbell when they push to K2H, so with
// only those the poller parks long and the doorbell wakes it. A CUDA kernel
// cannot wake a host thread: the poller must look. It looks often while
// the host waits for something (requests in flight, a backlog to flush, a
// retirement), about once a millisecond while CUDA kernels idle, and less
// after a longer idle spell; a push to a CUDA kernel wakes it (the proxy
// rings the doorbell), so a request never waits for a long park to end.
// cudaStreamQuery is a driver call; it tells only that a kernel ended or
// its stream failed, which the control block and the heartbeat also show.
// So it runs at most once per stream_query_interval per kernel, or at once
// when the host sees a state change (the kernel left `active`, or the proxy
// retires it), rather than on every round.
//
// Plain host code: the tests drive it without a poller thread or a device.
#pragma once

#include <chrono>
#include <cstdint>

namespace ringactor::detail {

/// The poller's timing.
struct poll_pacing {
  /// Rounds without progress spent spinning (a pause each), then yielding,
  /// before the poller parks.
  std::uint32_t spin_polls = 2000;
  std::uint32_t yields_before_park = 16;
  /// Park while the host waits for a kernel that cannot ring: requests in
  /// flight on a CUDA kernel, a backlog, a retiring session.
  std::chrono::nanoseconds busy_park = std::chrono::microseconds{50};
  /// Park while CUDA kernels exist and nothing is waited for.
  std::chrono::nanoseconds device_idle_park = std::chrono::milliseconds{1};
  /// ... once the poller has been idle for deep_idle_after.
  std::chrono::nanoseconds device_deep_idle_park = std::chrono::milliseconds{4};
  std::chrono::nanoseconds deep_idle_after = std::chrono::milliseconds{100};
  /// Park with only CPU kernels (they ring the doorbell).
  std::chrono::nanoseconds idle_park = std::chrono::milliseconds{10};
  /// Park with no kernel at all (add() rings the doorbell).
  std::chrono::nanoseconds empty_park = std::chrono::seconds{1};
  /// A CUDA kernel's stream is queried at most this often, unless the
  /// host saw its state change.
  std::chrono::nanoseconds stream_query_interval = std::chrono::milliseconds{1};
};

/// What the poller's sessions need, summed up before it parks.
struct poll_demand {
  bool sessions = false;        ///< it serves any session
  bool device_sessions = false; ///< any of them runs on a device that cannot ring
  bool waiting = false;         ///< the host waits for one (requests, backlog, retirement)
};

/// Decides, round after round, what the poller does next.
class poll_policy {
public:
  using clock = std::chrono::steady_clock;

  enum class action {
    poll,  ///< the last round made progress: go again at once
    pause, ///< spin (a CPU pause), then go again
    yield, ///< give up the core once, then go again
    park,  ///< park up to `park_for` (the doorbell may end it sooner)
  };

  struct step {
    action what = action::poll;
    std::chrono::nanoseconds park_for{0};
  };

  explicit poll_policy(const poll_pacing& pacing = {}) : pacing_(pacing) {}

  /// After a round. `demand` is read only when the answer is park (the
  /// caller may pass a lazily computed one: see needs_demand()).
  step after_round(bool progress, clock::time_point now, const poll_demand& demand);
  /// Whether the next after_round() with this progress would park, and so
  /// needs a real poll_demand.
  bool needs_demand(bool progress) const noexcept;

  const poll_pacing& pacing() const noexcept { return pacing_; }

private:
  poll_pacing pacing_;
  std::uint32_t idle_rounds_ = 0;
  clock::time_point idle_since_{};
};

/// When one CUDA kernel's stream is queried next (one per session; the
/// poller's thread only).
class stream_query_pacer {
public:
  using clock = std::chrono::steady_clock;

  explicit stream_query_pacer(std::chrono::nanoseconds interval) : interval_(interval) {}

  /// Whether to query now: `state_changed` (the kernel left `active`, or the
  /// proxy retires it), or the interval has passed since the last query.
  /// Records the query when it says yes.
  bool due(clock::time_point now, bool state_changed) noexcept;

  /// Queries so far (statistics and tests).
  std::uint64_t queries() const noexcept { return queries_; }

private:
  std::chrono::nanoseconds interval_;
  clock::time_point last_{};
  bool queried_ = false;
  std::uint64_t queries_ = 0;
};

} // namespace ringactor::detail
