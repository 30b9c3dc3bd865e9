// ringactor: the host side of one kernel actor below its proxy: the channel,
// the backend's runner, the table of requests in flight, its metrics
// (kernel_metrics.hpp); the device's poller (completion_poller.hpp) serves it.
//
// Threads. The proxy actor (one scheduler worker at a time) pushes to H2K,
// adds pending requests and launches (launch mode). The poller thread pops
// K2H, answers requests, watches the kernel's state and heartbeat, publishes
// its metrics, and finishes the session once the proxy retired it. On the CPU
// backend the kernel's own leader thread also drains K2H right after it
// pushed to it (complete_inline), so that a reply reaches its requester
// without waiting for the poller thread to be scheduled; K2H has one
// consumer at a time because every drain holds drain_mutex_. What the
// threads share is either atomic (each with its pairing named) or under a
// mutex.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <ringactor/actor.hpp>
#include <ringactor/actor_system.hpp>
#include <ringactor/error.hpp>
#include <ringactor/response_promise.hpp>

#include "ringactor/gpu/channel.hpp"
#include "ringactor/gpu/detail/completion_poller.hpp"
#include "ringactor/gpu/detail/kernel_metrics.hpp"
#include "ringactor/gpu/detail/poll_policy.hpp"
#include "ringactor/gpu/doorbell.hpp"
#include "ringactor/gpu/kernel_config.hpp"
#include "ringactor/gpu/kernel_stats.hpp"

namespace ringactor {

namespace detail {

/// The error a CUDA kernel's stream reported (none on the CPU backend).
struct stream_fault {
  std::string message; ///< the error's name and description; empty: none
  int code = 0;        ///< the cudaError_t (classify_cuda_error, device_health.hpp)
};

/// A backend's runner behind one interface.
class kernel_runner_base {
public:
  virtual ~kernel_runner_base() = default;
  /// Launch mode: one launch (at most one message), waiting at most
  /// `timeout` for it; false if it still runs then. Throws cuda_error when
  /// a CUDA launch fails.
  virtual bool launch(std::chrono::nanoseconds timeout) = 0;
  /// Launch mode: whether a launch that launch() stopped waiting for still
  /// runs. Poller thread only, once the proxy retired (it launches no more).
  virtual bool launch_in_flight() = 0;
  /// Whether the loop has exited (or, for a CUDA stream error, sets
  /// `fault` and returns true). Poller thread only.
  virtual bool exited(stream_fault& fault) = 0;
  /// The kernel never stopped and the process exits: stop waiting for its
  /// host threads, if it has any (they are detached; the runner stays).
  virtual void abandon() noexcept {}
};

/// Poller -> proxy: the kernel failed; the proxy quits with `reason`.
struct kernel_failure {
  error reason;
};

/// Poller -> proxy: H2K has free slots again; flush the backlog (launch
/// mode, where a flush launches and must run on the proxy's thread).
struct h2k_space {};

/// Persistent mode: the poller flushes the proxy's backlog itself, on its
/// own thread (the proxy serializes pushes with a mutex); `proxy` is the
/// proxy the session attached, kept alive by the caller.
using backlog_flusher = void (*)(abstract_actor* proxy);

/// Turns a K2H reply or error slot into the value (or error) of a promise.
using reply_decoder = void (*)(response_promise&, const slot_header&, const std::byte*);

/// Delivers a message a kernel sent with ctx.send_host() (decoding it by
/// the kernel's `outputs`) to the actor of `sys` it names. Returns false
/// if it could not: the actor (or its system) is gone, or the type id is
/// not one of the kernel's outputs.
using host_message_sender = bool (*)(const system_ref& sys, const strong_actor_ptr& from,
                                     const slot_header&, const std::byte*);

/// The error a request gets for a K2H error slot.
error to_error(kernel_error x);

/// The kernel_fault error of a faulted kernel, for its actor's exit reason
/// and every request it leaves: names the fault ("a kernel handler
/// reported a fault: fault code 7" after ctx.fault(7)).
error kernel_fault_error(control_block_ref cb);

class kernel_session {
public:
  /// How the proxy leaves (see retire()).
  enum class exit_mode : std::uint32_t {
    running = 0,
    drain = 1,   ///< an ordinary exit: handle what is queued, answer it, stop
    faulted = 2, ///< the kernel faulted: answer what K2H holds, the rest with the fault
    stalled = 3, ///< the kernel hangs: terminate, dead_receiver at once
  };

  /// `kernel_type`: the kernel type's name, the `kernel` label of its
  /// metrics when cfg.name is left at the default (kernel_metrics.hpp).
  kernel_session(actor_system& sys, const kernel_config& cfg, kernel_backend backend,
                 std::unique_ptr<kernel_channel> channel, host_message_sender host_sender,
                 std::string_view kernel_type = {});
  kernel_session(const kernel_session&) = delete;
  kernel_session& operator=(const kernel_session&) = delete;
  ~kernel_session();

  /// Takes the started runner; then the poller of `poller` serves the session.
  void start(std::unique_ptr<kernel_runner_base> runner, completion_poller& poller);

  /// After start(): registers the kernel's readiness probe (its heartbeat;
  /// removed when the session finishes), and the liveness probe of its
  /// poller and, on CUDA, the readiness probe of its device (gpu_health.cpp).
  void watch_health(health_registry& registry);
  /// Whether the kernel is silent past its residency or stall timeout now,
  /// in words; empty while it is fine. Any thread.
  std::string silence_now() const;

  // -- proxy side ---------------------------------------------------------------

  /// The proxy that answers for the kernel (a weak reference: the session
  /// must not keep its actor alive). Set once, before the first message;
  /// the poller may already serve the session (see spawn_kernel).
  void attach(actor_addr proxy, backlog_flusher flusher = nullptr);

  kernel_channel& channel() noexcept { return *channel_; }
  const kernel_config& config() const noexcept { return cfg_; }
  kernel_backend backend() const noexcept { return backend_; }

  /// Remembers the promise of request `id` until its K2H reply arrives.
  void add_pending(std::uint64_t id, response_promise rp, reply_decoder decode);
  /// After pushing: the proxy's total of H2K pushes. Wakes the poller of a
  /// CUDA kernel (which cannot wake it) if it parked, so that the reply
  /// does not wait for the park to end.
  void note_pushed(std::uint64_t total) noexcept;
  /// After a push failed: asks to be told when H2K has room. Once it has,
  /// the poller (or the CPU kernel's thread) calls the proxy's backlog
  /// flusher, or sends the proxy an h2k_space message when it has none.
  void set_backlogged() noexcept;
  /// The proxy's backlog holds `n` messages now (for the poller's
  /// ringactor_kernel_backlog). Under the proxy's push mutex.
  void note_backlog(std::size_t n) noexcept {
    // Relaxed: a statistic; the poller's relaxed load in publish_metrics()
    // may see an older value, and the next round sees this one.
    backlog_size_.store(n, std::memory_order_relaxed);
  }
  /// The proxy fails with `reason` (a fault or a stall): counts it in
  /// ringactor_kernel_faults_total. The proxy's thread (its system lives).
  void count_fault(const error& reason) noexcept { metrics_.count_fault(reason); }
  /// Launch mode: runs one launch; false if it did not finish within the
  /// stall timeout (the kernel stalled; the launch may still run).
  bool launch() { return runner_->launch(cfg_.stall_timeout); }

  /// The proxy exits (called from its on_exit). Drain: waits, at most the
  /// stall timeout, until the kernel has handled what was queued, every
  /// answer went out and the kernel's resources are released; requests
  /// still unanswered get dead_receiver. Faulted: they get `reason` (the
  /// proxy's exit reason), once the kernel stopped. Never waits on the
  /// poller thread.
  void retire(exit_mode mode, error reason = {});

  /// The kernel_fault error of the kernel's fault as the control block
  /// records it (launch mode: the proxy's exit reason after a launch that
  /// faulted).
  error fault_error() const { return kernel_fault_error(channel_->control()); }

  /// The proxy's exit reason after a launch (launch mode) threw `what`:
  /// gpu_error::device_lost once the kernel's CUDA device is lost (the
  /// launch's own sticky error lost it, or another kernel's), else
  /// gpu_error::kernel_fault with `what`.
  error launch_failure(std::string what) const;

  /// Set (release) by the poller once it knows the kernel's loop ended: it
  /// saw the loop exit, its CUDA stream fail, or its device lost, which a
  /// dead kernel never writes into the control block. Readers (a K2K broker
  /// tearing down device channels, kernel_port_info::loop_running) load it
  /// with acquire and stop waiting for the kernel.
  const std::atomic<bool>& loop_ended() const noexcept { return loop_ended_; }

  kernel_stats stats(std::uint64_t backlog) const;

  // -- poller side --------------------------------------------------------------

  /// One round: drains K2H, checks the kernel's health and the backlog,
  /// finishes a retired session. Returns whether it did anything.
  bool poll(std::chrono::steady_clock::time_point now);
  /// True once the session is finished and can be dropped.
  bool finished() const noexcept { return finished_.load(std::memory_order_acquire); }
  /// Whether the host waits for something the kernel cannot ring the
  /// poller's doorbell for, so the poller should come back soon: a backlog,
  /// a retiring session, requests in flight on a CUDA kernel.
  bool wants_polling() const noexcept;
  /// cudaStreamQuery calls (or, CPU backend, exit checks) so far; poller
  /// thread only (tests read it once the session finished or from the
  /// poller's side of a quiescent system).
  std::uint64_t stream_queries() const noexcept { return stream_pacer_.queries(); }
  /// Whether K2H holds a slot (the poller's wake-up check).
  bool k2h_ready() noexcept;

  /// Keeps a session whose kernel never stopped (its thread hangs past the
  /// stall timeout when the process exits) for the rest of the process:
  /// the thread cannot be joined, and if it wakes it still delivers through
  /// the session and rings `bell`. Neither is ever freed; its host threads
  /// are detached.
  static void abandon(std::shared_ptr<kernel_session> s, std::shared_ptr<doorbell> bell) noexcept;

  /// CPU backend: the kernel's leader thread drains K2H itself after each
  /// push (a cpu_kernel_options::completion hook; `self` is the session).
  /// Returns whether the poller must be woken all the same: another thread
  /// was draining, or the kernel is no longer active (exit or fault).
  static bool complete_inline(void* self) noexcept;

private:
  struct pending_reply {
    response_promise promise;
    reply_decoder decode;
    /// When the proxy registered the request, just before its push.
    std::chrono::steady_clock::time_point sent;
  };

  bool drain_k2h();
  /// Whether the loop has exited (runner_->exited), asking a CUDA runner at
  /// most once per stream_query_interval unless `retiring` (the proxy retired
  /// the session) or the kernel left `active`. Once it said yes it
  /// says so without asking again. Poller thread only
  /// (kernel_session_pacing.cpp).
  bool loop_exited(std::chrono::steady_clock::time_point now, bool retiring, stream_fault& fault);
  /// The exit reason of a kernel still launching after `waited`.
  error not_resident_error(std::chrono::nanoseconds waited) const;
  /// If the proxy backlogged and H2K has room again: flushes it (through
  /// the proxy's flusher, or with an h2k_space message unless
  /// `direct_only`). Returns whether it did.
  bool flush_backlog(bool direct_only);
  void notify_proxy_failure(error reason);
  /// The proxy, once attach() published it and while it lives; else null.
  strong_actor_ptr lock_proxy() const noexcept;
  void fail_all_pending(const error& reason);
  /// Answers fault_replies_ (see there) with `reason`.
  void deliver_fault_replies(const error& reason);
  void finish();
  /// Publishes the kernel's levels, message count and round trips to its
  /// metrics (kernel_metrics.cpp), while the system lives; `ended`: then
  /// takes back its share of the gauges. Poller thread only.
  void publish_metrics(std::chrono::steady_clock::time_point now, bool ended);

  static std::int64_t to_ns(std::chrono::steady_clock::time_point t) noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  }

  /// True while this thread runs a CPU kernel's inline completion: what it
  /// delivers may drop the last reference to a proxy, whose exit then runs
  /// here and must not wait for a kernel (perhaps this very thread) to stop.
  static thread_local bool in_inline_completion_;

  /// A kernel's thread can outlive the system (a hung kernel, whose proxy
  /// stopped waiting for it): the session must not keep it, nor use it
  /// once it is gone.
  system_ref sys_;
  kernel_config cfg_;
  kernel_backend backend_;
  std::unique_ptr<kernel_channel> channel_;
  std::unique_ptr<kernel_runner_base> runner_;
  host_message_sender host_sender_;
  completion_poller* poller_ = nullptr;
  /// Written once by attach(); read by other threads only after an acquire
  /// load of attached_ that saw true.
  actor_addr proxy_;
  /// Set with release by attach() after proxy_ (and after the proxy was
  /// constructed); loaded with acquire by lock_proxy() and
  /// notify_proxy_failure(), which may run on the poller thread before it.
  std::atomic<bool> attached_{false};
  /// Set once by attach() (release); loaded with acquire by flush_backlog().
  std::atomic<backlog_flusher> flusher_{nullptr};

  // Guards pending_ and fault_replies_ (proxy adds, poller answers, retire
  // fails).
  mutable std::mutex mutex_;
  std::unordered_map<std::uint64_t, pending_reply> pending_;
  /// The requests whose handler faulted the kernel. The kernel pushes their
  /// answer before the host learns of the fault, so they wait here for
  /// finish(), which runs after the proxy began to exit and answers them
  /// with the fault: whoever gets it then sees an actor that is_exiting(),
  /// which tells a kernel's own fault from a kernel_fault a live actor
  /// passes on (a pool counts only the former as its worker's death).
  std::vector<response_promise> fault_replies_;
  /// The proxy's exit reason after a fault. Written by retire() before its
  /// release store of exit_mode_; read by finish() on the poller, after its
  /// acquire load of exit_mode_ saw the retirement.
  error fault_reason_;

  /// H2K pushes so far. Stored with release by the proxy after each push,
  /// loaded with acquire by the poller (compared with h2k_consumed for free
  /// space) and by stats().
  std::atomic<std::uint64_t> pushed_{0};
  /// K2H slots popped. Written under drain_mutex_ (relaxed: statistics only).
  std::atomic<std::uint64_t> popped_{0};
  /// Host messages (ctx.send_host) that reached no actor. Written under
  /// drain_mutex_ (relaxed: statistics only).
  std::atomic<std::uint64_t> host_messages_dropped_{0};
  /// Set (release) by the proxy after a failed push; the poller's exchange
  /// (acquire) takes it, so it sees the pushed_ value stored before it.
  std::atomic<bool> backlogged_{false};
  /// An exit_mode. Stored with release by retire() after the proxy's last
  /// push and launch; the poller's acquire load then sees them.
  std::atomic<std::uint32_t> exit_mode_{0};
  /// See loop_ended(). Stored with release by the poller (poll(), finish()).
  std::atomic<bool> loop_ended_{false};
  /// Set with release by finish() (poller) once everything is released;
  /// retire() waits for it under done_mutex_.
  std::atomic<bool> finished_{false};
  std::mutex done_mutex_;
  std::condition_variable done_;

  // Held by whoever drains K2H (the poller, or a CPU kernel's thread in
  // complete_inline); guards payload_ and round_trips_.
  std::mutex drain_mutex_;
  std::vector<std::byte> payload_;
  /// Round trips of the requests answered since the poller last published.
  round_trip_batch round_trips_;

  /// The kernel's metrics. Counting faults: the proxy's thread; the rest:
  /// the poller's (publish_metrics).
  kernel_metrics metrics_;
  /// The proxy's backlog; see note_backlog().
  std::atomic<std::size_t> backlog_size_{0};
  /// When the poller publishes the metrics next. Poller thread only.
  std::chrono::steady_clock::time_point next_metrics_;
  // Poller thread only.
  stream_query_pacer stream_pacer_{poll_pacing{}.stream_query_interval};
  bool loop_exited_ = false;
  bool failure_sent_ = false;
  bool stall_terminated_ = false;
  std::uint64_t last_heartbeat_ = 0;
  std::chrono::steady_clock::time_point last_beat_seen_;
  /// When start() took the runner (the launch), for the residency timeout.
  std::chrono::steady_clock::time_point started_;
  /// Nanoseconds since the epoch of steady_clock when the poller last saw
  /// the heartbeat advance; relaxed (statistics).
  std::atomic<std::int64_t> last_beat_seen_ns_{0};
  /// The readiness probe (watch_health); reset by finish() and the destructor.
  health_registry::handle health_probe_;
};

} // namespace detail

} // namespace ringactor
