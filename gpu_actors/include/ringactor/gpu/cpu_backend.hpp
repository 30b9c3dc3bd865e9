// ringactor: the CPU backend. Host threads run the same kernel loop as the
// GPU, over the same channel layout, executing the same kernel source.
//
// Grid emulation. A kernel's handler is a data-parallel step: every thread of
// the grid runs it once per message, with no barrier inside it. So a grid
// can be emulated without one host thread per GPU thread:
//
// - sequential (default): one host thread per kernel runs the leader's work
//   and then the handler for every (block, thread) in rank order. No barrier
//   costs anything; results are deterministic.
// - thread_per_block: one host thread per block, each running its block's
//   threads in order, a std::barrier between the steps of a message. Uses
//   more cores for handlers with much work per message, at the price of two
//   barrier rounds per message.
//
// Measured on the 2-core development machine (docs/kernels.md): the
// barrier rounds make thread_per_block slower for small messages, and it only
// pays off for handlers with much work per thread; hence the default.
//
// Launch mode runs each launch as one task on a dedicated launcher thread
// (the analogue of a stream) and waits for it: launch plus synchronize.
// launch_for() bounds the wait; a launch it gave up on keeps the launcher
// thread until its handler returns.
#pragma once

#include <barrier>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "ringactor/gpu/channel.hpp"
#include "ringactor/gpu/detail/bounded_wait.hpp"
#include "ringactor/gpu/device.hpp"
#include "ringactor/gpu/doorbell.hpp"
#include "ringactor/gpu/kernel_loop.hpp"
#include "ringactor/gpu/kernel_params.hpp"

namespace ringactor {

/// Host work a CPU kernel's leader thread runs in place of waking the
/// host (see cpu_kernel_options::completion). `run` returns whether the
/// host must be woken all the same.
struct host_completion {
  bool (*run)(void* context) noexcept = nullptr;
  void* context = nullptr;
};

/// How the CPU backend runs a grid of more than one thread (see above).
enum class cpu_grid_emulation { sequential, thread_per_block };

struct cpu_kernel_options {
  grid_dim grid{};
  cpu_grid_emulation emulation = cpu_grid_emulation::sequential;
  loop_mode mode = loop_mode::persistent;
  /// The heartbeat advances at least this often while the loop runs; a
  /// parked loop wakes this often to beat.
  std::chrono::nanoseconds heartbeat_interval = std::chrono::milliseconds{100};
  /// Polls of an empty H2K ring (with a pause each) before the loop yields
  /// and then parks on the doorbell (cpu_platform::idle).
  std::uint32_t spin_before_park = 1000;
  /// Whether those polls past the first 64 yield the core instead of
  /// pausing: for processes whose other threads share the cores (a server's
  /// network threads). spawn_kernel takes it from the system's
  /// actor_system_config::idle_yield (key `system.idle_yield`).
  bool idle_yield = false;
  /// Sender id on the kernel's K2H slots. spawn_kernel leaves it 0: the
  /// host tells a kernel's slots by the session that polls its K2H ring
  /// (the proxy's id is not known before the kernel starts), and a kernel's
  /// K2K sends carry its K2K address instead.
  std::uint64_t kernel_id = 0;
  /// The doorbell the loop rings after K2H pushes, heartbeats and its exit;
  /// null: the channel's own. A completion poller that serves several
  /// kernels passes its one doorbell here (kernel_channel::wait_until then
  /// is no longer woken and must not be used).
  doorbell* host_doorbell = nullptr;
  /// Run on the loop's leader thread wherever the loop would wake the host
  /// (after each K2H push, a heartbeat, the loop's exit): the host's
  /// completion work for this kernel, done inline so that a reply needs no
  /// hand-off to the poller thread; the doorbell is rung only when it
  /// returns true. Null: ring the doorbell. Must not block.
  host_completion completion{};
  /// Added to the loop's clock (steady_clock): gives the emulated device
  /// clock another epoch, ahead of Unix time or behind it, as a GPU's
  /// %globaltimer may be. The loop measures its offset to Unix time at
  /// start either way (kernel_params::host_clock_ns); this is for tests.
  std::chrono::nanoseconds clock_shift{0};
};

/// Unix time in nanoseconds: the host's sample that a launch hands to the
/// loop (kernel_params::host_clock_ns).
inline std::uint64_t host_unix_time_ns() noexcept {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count());
}

namespace detail {

// The grids below are host objects, but the loop that calls them is
// RINGACTOR_DEVICE code: under nvcc (a .cu file that also uses the CPU
// backend) it is compiled for the device as well. So their members are
// host-device with host-only bodies; the device never runs them.
#if RINGACTOR_DEVICE_PASS
#  define RINGACTOR_HOST_BODY(...)
#else
#  define RINGACTOR_HOST_BODY(...) __VA_ARGS__
#endif

/// Timing, idling and host notification on host threads.
class cpu_platform {
public:
  explicit cpu_platform(const kernel_params& p) noexcept
    : heartbeat_interval_ns_(p.heartbeat_interval_ns),
      spin_before_park_(p.spin_before_park),
      idle_yield_(p.cpu_idle_yield),
      clock_shift_ns_(static_cast<std::uint64_t>(p.cpu_clock_shift_ns)) {}

  /// steady_clock plus the configured shift (modular: a shift behind the
  /// clock's epoch wraps, and differences stay right).
  RINGACTOR_HOST_DEVICE std::uint64_t now_ns() const noexcept {
    std::uint64_t now = 0;
    RINGACTOR_HOST_BODY(
      now = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                         std::chrono::steady_clock::now().time_since_epoch())
                                         .count())
            + clock_shift_ns_;)
    return now;
  }

  /// Called with n = 0, 1, 2, ... while H2K stays empty: spin, yield, park.
  /// The spin_before_park polls pause, so that a message that follows at
  /// once is caught within a few microseconds. With idle_yield, those past
  /// the first 64 yield the core instead: with more threads than cores (a
  /// network thread, the scheduler's workers, other kernels) they run
  /// instead of this loop's spin. That costs a pool of kernels that has the
  /// cores to itself about a tenth of its throughput (bench/RESULTS.md), so
  /// it is the system's choice (actor_system_config::idle_yield).
  template <class Ready>
  RINGACTOR_HOST_DEVICE void idle(std::uint32_t n, doorbell& bell, Ready&& ready) {
    RINGACTOR_HOST_BODY(
      if (n < spin_before_park_ && (!idle_yield_ || n < pause_polls)) {
        dev::pause();
      } else if (n < spin_before_park_ + yields_before_park) { std::this_thread::yield(); } else {
        park(bell, ready, std::chrono::nanoseconds{heartbeat_interval_ns_});
      })
  }

  /// Called with n = 0, 1, 2, ... while K2H stays full (the host is behind).
  RINGACTOR_HOST_DEVICE void backoff(std::uint32_t n) noexcept {
    RINGACTOR_HOST_BODY(
      if (n < 64) { dev::pause(); } else if (n < 128) { std::this_thread::yield(); } else {
        std::this_thread::sleep_for(std::chrono::microseconds{50});
      })
  }

  RINGACTOR_HOST_DEVICE void notify_host(doorbell& bell) noexcept {
    RINGACTOR_HOST_BODY(if (completion_.run == nullptr || completion_.run(completion_.context))
                          ring_if_sleeping(bell);)
  }

  void set_completion(host_completion c) noexcept { completion_ = c; }

private:
  static constexpr std::uint32_t yields_before_park = 16;
  static constexpr std::uint32_t pause_polls = 64;
  host_completion completion_{};
  std::uint64_t heartbeat_interval_ns_;
  std::uint32_t spin_before_park_;
  bool idle_yield_;
  std::uint64_t clock_shift_ns_;
};

/// One host thread plays every thread of the grid, in rank order.
class cpu_sequential_grid : public cpu_platform {
public:
  cpu_sequential_grid(const kernel_params& p, grid_dim dim) noexcept : cpu_platform(p), dim_(dim) {}

  RINGACTOR_HOST_DEVICE bool is_leader() const noexcept { return true; }
  RINGACTOR_HOST_DEVICE void sync() noexcept {}
  RINGACTOR_HOST_DEVICE grid_dim dim() const noexcept { return dim_; }
  template <class F>
  RINGACTOR_HOST_DEVICE void for_each_thread(F&& f) {
    for (std::uint32_t b = 0; b < dim_.blocks; ++b)
      for (std::uint32_t t = 0; t < dim_.threads; ++t)
        f(thread_coord{b, t});
  }

private:
  grid_dim dim_;
};

/// One host thread per block; block 0's thread leads.
class cpu_block_grid : public cpu_platform {
public:
  cpu_block_grid(const kernel_params& p, grid_dim dim, std::uint32_t block,
                 std::barrier<>& barrier) noexcept
    : cpu_platform(p), dim_(dim), block_(block), barrier_(&barrier) {}

  RINGACTOR_HOST_DEVICE bool is_leader() const noexcept { return block_ == 0; }
  // The barrier orders the leader's scratch writes before the other blocks'
  // reads and their handler effects before the leader's finish().
  RINGACTOR_HOST_DEVICE void sync() { RINGACTOR_HOST_BODY(barrier_->arrive_and_wait();) }
  RINGACTOR_HOST_DEVICE grid_dim dim() const noexcept { return dim_; }
  template <class F>
  RINGACTOR_HOST_DEVICE void for_each_thread(F&& f) {
    for (std::uint32_t t = 0; t < dim_.threads; ++t)
      f(thread_coord{block_, t});
  }

private:
  grid_dim dim_;
  std::uint32_t block_;
  std::barrier<>* barrier_;
};

#undef RINGACTOR_HOST_BODY

} // namespace detail

/// Runs a kernel on host threads over a kernel_channel.
///
///   kernel_channel ch;
///   cpu_kernel_runner<kernels::adder> runner{kernels::adder{}, ch, {}};
///   runner.start();
///   ch.try_send_message<kernels::adder>(add{1, 2}, /*request_id=*/1);
///   ... ch.receive(header, buf, 1s) ...
///   ch.control().request_drain();
///   runner.join();
template <class Kernel>
class cpu_kernel_runner {
public:
  /// `channel` must outlive the runner. Copies `kernel` (its initial state).
  cpu_kernel_runner(const Kernel& kernel, kernel_channel& channel,
                    const cpu_kernel_options& options = {});
  cpu_kernel_runner(const cpu_kernel_runner&) = delete;
  cpu_kernel_runner& operator=(const cpu_kernel_runner&) = delete;
  /// Terminates the kernel if it still runs and joins its threads.
  ~cpu_kernel_runner();

  /// Persistent mode: starts the loop's threads. Launch mode: starts the
  /// launcher thread; messages are then handled by launch().
  void start();

  /// Launch mode: runs one launch (handles at most one message) and waits
  /// for it to finish.
  void launch();

  /// Launch mode: as launch(), but waits at most `timeout`. False if the
  /// launch still runs then (a handler that hangs): a host thread cannot be
  /// stopped, so it goes on; later launches queue behind it, and join()
  /// (hence the destructor) waits for it.
  bool launch_for(std::chrono::nanoseconds timeout);

  /// Launch mode: whether a launch was requested and has not finished.
  bool launch_in_flight();

  /// Persistent mode: waits for the loop to exit (after a drain, terminate
  /// or fault). Launch mode: runs a final launch with the terminate command
  /// raised (the loop records `terminated`) and stops the launcher thread.
  void join();

  /// Gives up on the threads of a kernel that never returns (process exit):
  /// detaches them, so nothing waits for them. The runner and its channel
  /// must then stay alive for as long as the process does.
  void detach() noexcept;

  /// The kernel's state; read it only when no loop runs (after join(), or
  /// between launches).
  const Kernel& kernel() const noexcept { return kernel_; }
  const cpu_kernel_options& options() const noexcept { return options_; }

private:
  void run_launcher();

  Kernel kernel_;
  kernel_channel* channel_;
  cpu_kernel_options options_;
  detail::aligned_bytes scratch_;
  kernel_params params_;
  std::unique_ptr<std::barrier<>> barrier_;
  std::vector<std::thread> threads_;
  // Launch mode: requested and completed launch counts, guarded by mutex_.
  std::mutex mutex_;
  std::condition_variable launch_requested_;
  std::condition_variable launch_done_;
  std::uint64_t launches_requested_ = 0;
  std::uint64_t launches_done_ = 0;
  bool launcher_quit_ = false;
};

template <class Kernel>
cpu_kernel_runner<Kernel>::cpu_kernel_runner(const Kernel& kernel, kernel_channel& channel,
                                             const cpu_kernel_options& options)
  : kernel_(kernel), channel_(&channel), options_(options) {
  if (options_.grid.blocks == 0 || options_.grid.threads == 0)
    throw std::invalid_argument("ringactor: a kernel grid needs at least one block and thread");
  if (options_.mode == loop_mode::launch)
    options_.emulation = cpu_grid_emulation::sequential; // one launcher thread
  scratch_ = detail::allocate_aligned(
    detail::grid_scratch::bytes_for(channel.geometry().slot_size));
  params_ = channel.device_params();
  params_.kernel = &kernel_;
  params_.scratch = scratch_.get();
  params_.kernel_id = options_.kernel_id;
  if (options_.host_doorbell != nullptr)
    params_.k2h_doorbell = options_.host_doorbell;
  params_.heartbeat_interval_ns = static_cast<std::uint64_t>(options_.heartbeat_interval.count());
  params_.spin_before_park = options_.spin_before_park;
  params_.cpu_idle_yield = options_.idle_yield;
  params_.mode = options_.mode;
  params_.cpu_clock_shift_ns = static_cast<std::int64_t>(options_.clock_shift.count());
}

template <class Kernel>
cpu_kernel_runner<Kernel>::~cpu_kernel_runner() {
  if (!threads_.empty()) {
    channel_->control().request_terminate();
    join();
  }
}

template <class Kernel>
void cpu_kernel_runner<Kernel>::start() {
  if (!threads_.empty())
    throw std::logic_error("ringactor: cpu_kernel_runner started twice");
  if (options_.mode == loop_mode::launch) {
    threads_.emplace_back([this] { run_launcher(); });
    return;
  }
  params_.host_clock_ns = host_unix_time_ns();
  if (options_.emulation == cpu_grid_emulation::sequential || options_.grid.blocks == 1) {
    threads_.emplace_back([this] {
      detail::cpu_sequential_grid grid{params_, options_.grid};
      grid.set_completion(options_.completion);
      run_kernel_loop<Kernel>(params_, grid);
    });
    return;
  }
  barrier_ = std::make_unique<std::barrier<>>(static_cast<std::ptrdiff_t>(options_.grid.blocks));
  for (std::uint32_t b = 0; b < options_.grid.blocks; ++b) {
    threads_.emplace_back([this, b] {
      detail::cpu_block_grid grid{params_, options_.grid, b, *barrier_};
      if (b == 0)
        grid.set_completion(options_.completion);
      run_kernel_loop<Kernel>(params_, grid);
    });
  }
}

template <class Kernel>
void cpu_kernel_runner<Kernel>::launch() {
  if (options_.mode != loop_mode::launch || threads_.empty())
    throw std::logic_error("ringactor: launch() needs a started runner in launch mode");
  std::unique_lock guard{mutex_};
  auto ticket = ++launches_requested_;
  launch_requested_.notify_one();
  launch_done_.wait(guard, [&] { return launches_done_ >= ticket; });
}

template <class Kernel>
bool cpu_kernel_runner<Kernel>::launch_for(std::chrono::nanoseconds timeout) {
  if (options_.mode != loop_mode::launch || threads_.empty())
    throw std::logic_error("ringactor: launch_for() needs a started runner in launch mode");
  std::unique_lock guard{mutex_};
  auto ticket = ++launches_requested_;
  launch_requested_.notify_one();
  // nanoseconds::max() (no watchdog) waits without bound.
  return detail::wait_at_most(launch_done_, guard, timeout,
                              [&] { return launches_done_ >= ticket; });
}

template <class Kernel>
bool cpu_kernel_runner<Kernel>::launch_in_flight() {
  std::lock_guard guard{mutex_};
  return launches_done_ < launches_requested_;
}

template <class Kernel>
void cpu_kernel_runner<Kernel>::join() {
  if (options_.mode == loop_mode::launch && !threads_.empty()) {
    channel_->control().request_terminate();
    launch();
    {
      std::lock_guard guard{mutex_};
      launcher_quit_ = true;
    }
    launch_requested_.notify_one();
  }
  for (auto& t : threads_)
    t.join();
  threads_.clear();
}

template <class Kernel>
void cpu_kernel_runner<Kernel>::detach() noexcept {
  for (auto& t : threads_)
    if (t.joinable())
      t.detach();
  threads_.clear();
}

template <class Kernel>
void cpu_kernel_runner<Kernel>::run_launcher() {
  std::unique_lock guard{mutex_};
  for (;;) {
    launch_requested_.wait(guard,
                           [&] { return launcher_quit_ || launches_done_ < launches_requested_; });
    if (launches_done_ < launches_requested_) {
      guard.unlock();
      auto params = params_; // the clock sample is this launch's own
      params.host_clock_ns = host_unix_time_ns();
      detail::cpu_sequential_grid grid{params, options_.grid};
      run_kernel_loop<Kernel>(params, grid);
      guard.lock();
      ++launches_done_;
      launch_done_.notify_all();
    } else {
      return;
    }
  }
}

} // namespace ringactor
