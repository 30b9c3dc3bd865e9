// ringactor (internal): the completion poller, one host thread per device
// that serves the kernel sessions on it (kernel_session.hpp).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "ringactor/gpu/detail/poll_policy.hpp"
#include "ringactor/gpu/doorbell.hpp"
#include "ringactor/gpu/kernel_config.hpp"

namespace ringactor::detail {

class kernel_session;

/// One per device (the CPU backend counts as one device): a host thread
/// that drains the K2H rings of every kernel on it. It spins while replies
/// flow, then yields, then parks on a doorbell that all of its CPU kernels
/// ring, and that a proxy rings when it pushes to a CUDA kernel (which
/// cannot wake a host thread); how long it parks is its poll_policy's
/// choice (poll_policy.hpp). It lives until the process exits.
class completion_poller {
public:
  /// The poller of `backend` (cpu or cuda) and `device`, started on first use.
  static completion_poller& of(kernel_backend backend, int device);

  explicit completion_poller(const poll_pacing& pacing = {});
  completion_poller(const completion_poller&) = delete;
  completion_poller& operator=(const completion_poller&) = delete;
  ~completion_poller();

  /// Serves `s` from now on.
  void add(std::shared_ptr<kernel_session> s);
  /// The doorbell CPU kernels ring for this poller.
  doorbell& bell() noexcept { return *bell_; }
  /// Wakes the poller if it parked.
  void wake() noexcept { ring_if_sleeping(*bell_); }
  /// A session needs the poller for something its wake-up check cannot see
  /// (a backlog to flush, a retirement): the poller looks at the next round,
  /// and one about to park does not sleep through it (a bare wake() that
  /// comes before the poller says it sleeps rings no one).
  void notify() noexcept {
    // Pairs with the exchange in run() and the load in its wake-up check.
    changed_.store(true, std::memory_order_release);
    wake();
  }
  /// Whether the caller is the poller's thread.
  bool on_poller_thread() const noexcept { return std::this_thread::get_id() == thread_.get_id(); }

  /// Rounds and parks so far (relaxed counters: statistics and tests).
  std::uint64_t rounds() const noexcept { return rounds_.load(std::memory_order_relaxed); }
  std::uint64_t parks() const noexcept { return parks_.load(std::memory_order_relaxed); }
  /// Whether the poller sleeps on its doorbell now (liveness: a parked
  /// poller turns no rounds and is fine).
  bool parked() const noexcept { return parked_.load(std::memory_order_relaxed); }

private:
  void run();

  /// Apart from the poller: a kernel abandoned at process exit may ring
  /// it after the poller is gone (kernel_session::abandon keeps it).
  std::shared_ptr<doorbell> bell_;
  poll_pacing pacing_;
  /// Incremented by the poller thread only; read by anyone (relaxed: counts
  /// that order nothing).
  std::atomic<std::uint64_t> rounds_{0};
  std::atomic<std::uint64_t> parks_{0};
  /// Written by the poller thread around each park; read by the liveness
  /// probe (relaxed: a hint that orders nothing).
  std::atomic<bool> parked_{false};
  std::mutex mutex_; // guards added_ and stop_
  std::vector<std::shared_ptr<kernel_session>> added_;
  /// Set (release) by add(), notify() and the destructor; the poller's
  /// exchange (acquire) then takes added_ under the mutex. Also its wake-up
  /// check.
  std::atomic<bool> changed_{false};
  bool stop_ = false;
  std::thread thread_;
};

} // namespace ringactor::detail
