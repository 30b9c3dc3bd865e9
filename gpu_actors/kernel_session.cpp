// ringactor: a kernel session's lifecycle: start, the proxy's side
// (pending requests, pushes, backlog), retirement, the answers that remain
// at its end, and kernels abandoned at process exit. Draining K2H and
// watching the kernel's health: kernel_session_poll.cpp.
#include "ringactor/gpu/detail/kernel_session.hpp"

#include <new>
#include <utility>

#include <ringactor/actor_system.hpp>
#include <ringactor/logger.hpp>

#include "ringactor/gpu/detail/bounded_wait.hpp"
#include "ringactor/gpu/device_health.hpp"
#include "ringactor/gpu/errors.hpp"

namespace ringactor {

namespace {

std::atomic<std::size_t> live_kernels{0};

} // namespace

std::size_t live_kernel_count() noexcept {
  return live_kernels.load(std::memory_order_acquire);
}

namespace detail {

thread_local bool kernel_session::in_inline_completion_ = false;

// -- kernel_session ---------------------------------------------------------------------

kernel_session::kernel_session(actor_system& sys, const kernel_config& cfg, kernel_backend backend,
                               std::unique_ptr<kernel_channel> channel,
                               host_message_sender host_sender, std::string_view kernel_type)
  : sys_(sys.weak_ref()),
    cfg_(cfg),
    backend_(backend),
    channel_(std::move(channel)),
    host_sender_(host_sender),
    payload_(channel_->payload_capacity()),
    metrics_(sys.metrics(), kernel_label(cfg.name, kernel_type), backend, cfg.device) {}

kernel_session::~kernel_session() {
  health_probe_.reset();
  if (runner_) {
    runner_.reset();
    live_kernels.fetch_sub(1, std::memory_order_acq_rel);
  }
}

void kernel_session::start(std::unique_ptr<kernel_runner_base> runner, completion_poller& poller) {
  runner_ = std::move(runner);
  live_kernels.fetch_add(1, std::memory_order_acq_rel);
  poller_ = &poller;
  last_beat_seen_ = std::chrono::steady_clock::now();
  started_ = last_beat_seen_;
  last_beat_seen_ns_.store(to_ns(last_beat_seen_), std::memory_order_relaxed);
}

void kernel_session::attach(actor_addr proxy, backlog_flusher flusher) {
  proxy_ = std::move(proxy);
  // Pairs with the acquire load in flush_backlog(), which a CPU kernel's
  // thread may run before the proxy has a behavior.
  flusher_.store(flusher, std::memory_order_release);
  // Pairs with the acquire loads in lock_proxy() and notify_proxy_failure():
  // the poller serves the session from before the proxy was spawned.
  attached_.store(true, std::memory_order_release);
}

strong_actor_ptr kernel_session::lock_proxy() const noexcept {
  // Pairs with the release store in attach().
  if (!attached_.load(std::memory_order_acquire))
    return nullptr;
  return proxy_.lock();
}

void kernel_session::add_pending(std::uint64_t id, response_promise rp, reply_decoder decode) {
  auto sent = std::chrono::steady_clock::now(); // outside the lock
  std::lock_guard guard{mutex_};
  pending_.emplace(id, pending_reply{std::move(rp), decode, sent});
}

void kernel_session::note_pushed(std::uint64_t total) noexcept {
  // Pairs with the poller's acquire loads in poll() and stats().
  pushed_.store(total, std::memory_order_release);
  // A CUDA kernel cannot ring the poller's doorbell when it answers; a
  // poller parked for a millisecond or more would sit on the reply.
  if (backend_ == kernel_backend::cuda)
    poller_->wake();
}

void kernel_session::set_backlogged() noexcept {
  // Pairs with the poller's exchange in poll().
  backlogged_.store(true, std::memory_order_release);
  poller_->notify();
}

void kernel_session::retire(exit_mode mode, error reason) {
  if (mode == exit_mode::stalled) {
    channel_->control().request_terminate();
    fail_all_pending(error{sec::dead_receiver, "the kernel stalled"});
  } else if (mode == exit_mode::faulted) {
    // Published to the poller's finish() by the release store below.
    fault_reason_ = std::move(reason);
    channel_->control().request_terminate();
  } else {
    channel_->control().request_drain();
  }
  // Pairs with the poller's acquire load in poll(): our pushes and launches
  // happen before its finish().
  exit_mode_.store(static_cast<std::uint32_t>(mode), std::memory_order_release);
  poller_->notify();
  // The poller finishes the session when (if) the kernel stops. Not waiting
  // for it: a stall, and the threads that must go on for it to stop (the
  // poller, and a CPU kernel's thread delivering its replies, where the
  // last reference to this proxy may have been dropped).
  if (mode == exit_mode::stalled || poller_->on_poller_thread() || in_inline_completion_)
    return;
  std::unique_lock guard{done_mutex_};
  // Pairs with the release store in finish().
  if (!wait_at_most(done_, guard, cfg_.stall_timeout,
                    [this] { return finished_.load(std::memory_order_acquire); }))
    log_warn("kernel actor {}: the kernel did not drain within the stall timeout", proxy_.id());
}

error kernel_session::launch_failure(std::string what) const {
  if (backend_ == kernel_backend::cuda && cuda_device_lost(cfg_.device))
    return cuda_device_lost_error(cfg_.device);
  return error{gpu_error::kernel_fault, std::move(what)};
}

kernel_stats kernel_session::stats(std::uint64_t backlog) const {
  kernel_stats s;
  auto cb = channel_->control();
  s.backend = backend_;
  s.mode = cfg_.mode;
  s.state = cb.state();
  s.messages_processed = cb.messages_processed();
  auto pushed = pushed_.load(std::memory_order_acquire);
  auto consumed = cb.h2k_consumed();
  s.h2k_depth = pushed > consumed ? pushed - consumed : 0;
  auto produced = cb.k2h_produced();
  auto popped = popped_.load(std::memory_order_relaxed);
  s.k2h_depth = produced > popped ? produced - popped : 0;
  s.backlog = backlog;
  {
    std::lock_guard guard{mutex_};
    s.pending_requests = pending_.size() + fault_replies_.size();
  }
  s.host_messages_dropped = host_messages_dropped_.load(std::memory_order_relaxed);
  s.heartbeat = cb.heartbeat();
  auto now = to_ns(std::chrono::steady_clock::now());
  s.heartbeat_age = std::chrono::nanoseconds{
    std::max<std::int64_t>(0, now - last_beat_seen_ns_.load(std::memory_order_relaxed))};
  return s;
}

// -- the end ----------------------------------------------------------------------------

void kernel_session::fail_all_pending(const error& reason) {
  std::unordered_map<std::uint64_t, pending_reply> failed;
  {
    std::lock_guard guard{mutex_};
    failed.swap(pending_);
  }
  // Outside the lock: delivering may drop the last reference to the proxy.
  for (auto& [id, entry] : failed)
    entry.promise.deliver_error(reason);
}

void kernel_session::deliver_fault_replies(const error& reason) {
  std::vector<response_promise> replies;
  {
    std::lock_guard guard{mutex_};
    replies.swap(fault_replies_);
  }
  // Outside the lock: delivering may drop the last reference to the proxy.
  for (auto& promise : replies)
    promise.deliver_error(reason);
}

void kernel_session::finish() {
  health_probe_.reset();
  // The loop has exited and K2H is drained: the last count, the last round
  // trips, and the gauges back, before anyone sees the actor gone.
  publish_metrics(std::chrono::steady_clock::now(), true);
  // The proxy retired the session in its exit, so it is exiting now. After
  // a fault, every request still unanswered gets the fault, code included:
  // the one whose handler faulted, those in H2K, those the proxy had
  // backlogged (and those in its mailbox, which it passed on before it
  // quit). Pairs with the release store in retire(): the poller loaded
  // exit_mode_ with acquire before it called finish().
  auto fault = fault_reason_;
  if (!fault && channel_->control().state() == kernel_state::faulted)
    fault = kernel_fault_error(channel_->control());
  deliver_fault_replies(fault ? fault : to_error(kernel_error::handler_fault));
  fail_all_pending(fault ? fault : error{sec::dead_receiver, "the kernel actor exited"});
  // Pairs with the acquire load of loop_ended().
  loop_ended_.store(true, std::memory_order_release);
  if (runner_) {
    runner_.reset(); // joins the kernel's threads (its loop has exited)
    live_kernels.fetch_sub(1, std::memory_order_acq_rel);
  }
  {
    std::lock_guard guard{done_mutex_};
    // Pairs with the acquire loads in retire() and finished().
    finished_.store(true, std::memory_order_release);
  }
  done_.notify_all();
}

namespace {

/// What abandoned kernels may still touch. Never freed, and reachable from
/// a static, so the leak checker does not count it either.
struct abandoned_kernels {
  std::mutex mutex;
  std::vector<std::shared_ptr<kernel_session>> sessions;
  std::vector<std::shared_ptr<doorbell>> bells;
};

abandoned_kernels& graveyard() {
  static auto* g = new abandoned_kernels;
  return *g;
}

} // namespace

void kernel_session::abandon(std::shared_ptr<kernel_session> s,
                             std::shared_ptr<doorbell> bell) noexcept {
  // Runs at process exit (the poller's destructor). Nothing joins the
  // kernel's threads now; they may still use all that is kept here.
  if (s->runner_)
    s->runner_->abandon();
  try {
    auto& g = graveyard();
    std::lock_guard guard{g.mutex};
    g.sessions.push_back(std::move(s));
    g.bells.push_back(std::move(bell));
  } catch (...) {
    // Out of memory at exit: keep them by leaking the references.
    new (std::nothrow) std::shared_ptr<kernel_session>(std::move(s));
    new (std::nothrow) std::shared_ptr<doorbell>(std::move(bell));
  }
}

} // namespace detail

} // namespace ringactor
