// ringactor: kernel sessions and the per-device completion poller.
#include "ringactor/gpu/detail/kernel_session.hpp"

#include <map>
#include <new>
#include <utility>

#include <fmt/format.h>

#include <ringactor/actor_system.hpp>
#include <ringactor/logger.hpp>

#include "ringactor/gpu/detail/bounded_wait.hpp"
#include "ringactor/gpu/errors.hpp"

namespace ringactor {

namespace {

class gpu_error_category final : public std::error_category {
public:
  const char* name() const noexcept override { return "gpu"; }
  std::string message(int code) const override {
    switch (static_cast<gpu_error>(code)) {
      case gpu_error::kernel_fault: return "the kernel faulted";
      case gpu_error::kernel_stalled:
        return "the kernel stopped making progress (its heartbeat stood still, or a launch "
               "outlived stall_timeout)";
      case gpu_error::buffer_released: return "a device_buffer was used after its release";
    }
    return "unknown gpu error";
  }
};

std::atomic<std::size_t> live_kernels{0};

/// True while this thread runs a CPU kernel's inline completion: what it
/// delivers may drop the last reference to a proxy, whose exit then runs
/// here and must not wait for a kernel (perhaps this very thread) to stop.
thread_local bool in_inline_completion = false;

std::int64_t to_ns(std::chrono::steady_clock::time_point t) noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

} // namespace

const std::error_category& gpu_category() noexcept {
  static const gpu_error_category instance;
  return instance;
}

std::size_t live_kernel_count() noexcept {
  return live_kernels.load(std::memory_order_acquire);
}

namespace detail {

error to_error(kernel_error x) {
  switch (x) {
    case kernel_error::handler_fault: return error{gpu_error::kernel_fault, describe(x)};
    case kernel_error::reply_too_large: return error{sec::message_too_large, describe(x)};
    case kernel_error::unknown_message:
    case kernel_error::malformed_message: return error{sec::unexpected_message, describe(x)};
    case kernel_error::none: break;
  }
  return error{sec::runtime_error, describe(x)};
}

// -- kernel_session ---------------------------------------------------------------------

kernel_session::kernel_session(actor_system& sys, const kernel_config& cfg, kernel_backend backend,
                               std::unique_ptr<kernel_channel> channel,
                               host_message_sender host_sender)
  : sys_(sys.weak_ref()),
    cfg_(cfg),
    backend_(backend),
    channel_(std::move(channel)),
    host_sender_(host_sender),
    payload_(channel_->payload_capacity()) {}

kernel_session::~kernel_session() {
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
  std::lock_guard guard{mutex_};
  pending_.emplace(id, pending_reply{std::move(rp), decode});
}

void kernel_session::note_pushed(std::uint64_t total) noexcept {
  // Pairs with the poller's acquire loads in poll() and stats().
  pushed_.store(total, std::memory_order_release);
}

void kernel_session::set_backlogged() noexcept {
  // Pairs with the poller's exchange in poll().
  backlogged_.store(true, std::memory_order_release);
  poller_->notify();
}

void kernel_session::retire(exit_mode mode) {
  if (mode == exit_mode::stalled) {
    channel_->control().request_terminate();
    fail_all_pending(error{sec::dead_receiver, "the kernel stalled"});
  } else if (mode == exit_mode::faulted) {
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
  if (mode == exit_mode::stalled || poller_->on_poller_thread() || in_inline_completion)
    return;
  std::unique_lock guard{done_mutex_};
  // Pairs with the release store in finish().
  if (!wait_at_most(done_, guard, cfg_.stall_timeout,
                    [this] { return finished_.load(std::memory_order_acquire); }))
    log_warn("kernel actor {}: the kernel did not drain within the stall timeout", proxy_.id());
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

bool kernel_session::wants_polling() const noexcept {
  return backend_ == kernel_backend::cuda || backlogged_.load(std::memory_order_relaxed)
         || exit_mode_.load(std::memory_order_relaxed) != 0;
}

bool kernel_session::complete_inline(void* self) noexcept {
  auto* s = static_cast<kernel_session*>(self);
  {
    std::unique_lock guard{s->drain_mutex_, std::try_to_lock};
    if (!guard.owns_lock())
      return true; // the poller drains; it may need the wake-up to do so
    in_inline_completion = true;
    s->drain_k2h();
    // The kernel just consumed from H2K: refill it from a backlog here
    // rather than wait for the poller (persistent mode, where the proxy
    // left a flusher; the proxy's push mutex serializes it with senders).
    if (s->exit_mode_.load(std::memory_order_relaxed) == 0)
      s->flush_backlog(true);
    in_inline_completion = false;
  }
  auto state = s->channel_->control().state();
  return state != kernel_state::active && state != kernel_state::launching;
}

bool kernel_session::k2h_ready() noexcept {
  std::unique_lock guard{drain_mutex_, std::try_to_lock};
  // Busy: someone is draining; look again soon.
  return !guard.owns_lock() || channel_->peek_received().header != nullptr;
}

bool kernel_session::flush_backlog(bool direct_only) {
  if (!backlogged_.load(std::memory_order_relaxed))
    return false;
  // Pairs with the release store in attach().
  auto flusher = flusher_.load(std::memory_order_acquire);
  if (direct_only && flusher == nullptr)
    return false;
  // Pairs with the proxy's release store in note_pushed().
  auto pushed = pushed_.load(std::memory_order_acquire);
  if (pushed - channel_->control().h2k_consumed() >= channel_->geometry().h2k_capacity
      || !backlogged_.exchange(false, std::memory_order_acquire))
    return false;
  if (auto proxy = lock_proxy()) {
    if (flusher != nullptr)
      flusher(proxy.get());
    else
      proxy->enqueue(make_mailbox_element(nullptr, message_id{}, h2k_space{}));
  }
  return true;
}

bool kernel_session::drain_k2h() {
  // Caller holds drain_mutex_.
  bool any = false;
  slot_header h;
  while (channel_->try_receive(h, payload_.data())) {
    any = true;
    popped_.fetch_add(1, std::memory_order_relaxed);
    if (h.kind == slot_kind::message) {
      if (host_sender_ == nullptr || !host_sender_(sys_, lock_proxy(), h, payload_.data()))
        host_messages_dropped_.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    pending_reply entry;
    {
      std::lock_guard guard{mutex_};
      auto i = pending_.find(h.request_id);
      if (i == pending_.end())
        continue; // already answered (dead_receiver after a stall)
      entry = std::move(i->second);
      pending_.erase(i);
      if (h.kind == slot_kind::error
          && static_cast<kernel_error>(h.error_code) == kernel_error::handler_fault) {
        // Answered once the proxy exits (see fault_replies_).
        fault_replies_.emplace_back(std::move(entry.promise),
                                    to_error(kernel_error::handler_fault));
        continue;
      }
    }
    entry.decode(entry.promise, h, payload_.data());
  }
  return any;
}

void kernel_session::notify_proxy_failure(error reason) {
  // Pairs with the release store in attach(). Before it there is no proxy
  // to tell yet: a later round tells it.
  if (failure_sent_ || !attached_.load(std::memory_order_acquire))
    return;
  failure_sent_ = true;
  if (auto proxy = proxy_.lock())
    proxy->enqueue(make_mailbox_element(nullptr, message_id{}, kernel_failure{std::move(reason)}));
}

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

void kernel_session::deliver_fault_replies() {
  std::vector<std::pair<response_promise, error>> replies;
  {
    std::lock_guard guard{mutex_};
    replies.swap(fault_replies_);
  }
  // Outside the lock: delivering may drop the last reference to the proxy.
  for (auto& [promise, reason] : replies)
    promise.deliver_error(reason);
}

void kernel_session::finish() {
  // The proxy retired the session in its exit, so it is exiting now.
  deliver_fault_replies();
  fail_all_pending(error{sec::dead_receiver, "the kernel actor exited"});
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

bool kernel_session::poll(std::chrono::steady_clock::time_point now) {
  if (finished())
    return false;
  bool progress = false;
  {
    // A CPU kernel's thread may be draining (complete_inline): then it
    // delivers what is there, and this round skips the drain.
    std::unique_lock guard{drain_mutex_, std::try_to_lock};
    if (guard.owns_lock())
      progress = drain_k2h();
  }
  // Pairs with the release store in retire().
  auto mode = static_cast<exit_mode>(exit_mode_.load(std::memory_order_acquire));
  auto cb = channel_->control();
  std::string stream_fault;
  bool launch_mode = cfg_.mode == loop_mode::launch;
  // Launch mode: the proxy launches synchronously, and CUDA runners are not
  // polled while it may launch on another thread. Once it retired, no
  // launch is in flight unless one outlived the stall timeout (the proxy
  // then stopped waiting and exited with kernel_stalled): the session, and
  // the memory the hung handler uses, stay until it returns, as they do
  // for a stalled persistent loop.
  bool stopped = launch_mode ? mode != exit_mode::running && !runner_->launch_in_flight()
                             : runner_->exited(stream_fault);
  // -- health ---------------------------------------------------------------------------
  if (mode == exit_mode::running && !launch_mode) {
    if (!stream_fault.empty()) {
      notify_proxy_failure(error{gpu_error::kernel_fault, stream_fault});
    } else if (cb.state() == kernel_state::faulted) {
      notify_proxy_failure(error{gpu_error::kernel_fault,
                                 fmt::format("{} (code {})",
                                             describe(static_cast<kernel_error>(cb.error_code())),
                                             cb.fault_detail())});
    } else if (stopped) {
      notify_proxy_failure(error{gpu_error::kernel_fault, "the kernel loop exited unexpectedly"});
    }
  }
  if (!launch_mode) {
    auto beat = cb.heartbeat();
    if (beat != last_heartbeat_) {
      last_heartbeat_ = beat;
      last_beat_seen_ = now;
      last_beat_seen_ns_.store(to_ns(now), std::memory_order_relaxed);
    } else if (!stopped && now - last_beat_seen_ > cfg_.stall_timeout) {
      if (mode == exit_mode::running) {
        notify_proxy_failure(error{
          gpu_error::kernel_stalled,
          fmt::format(
            "no heartbeat for {} ms",
            std::chrono::duration_cast<std::chrono::milliseconds>(now - last_beat_seen_).count())});
      } else if (!stall_terminated_) {
        // Retired, but the drain hangs: stop waiting for it.
        stall_terminated_ = true;
        cb.request_terminate();
        fail_all_pending(error{sec::dead_receiver, "the kernel stalled while draining"});
      }
    }
  }
  // -- backpressure ---------------------------------------------------------------------
  if (mode == exit_mode::running && flush_backlog(false))
    progress = true;
  // -- retirement -----------------------------------------------------------------------
  if (mode != exit_mode::running && stopped) {
    // The loop has exited: whatever it pushed is in K2H now.
    {
      std::lock_guard guard{drain_mutex_};
      drain_k2h();
    }
    finish();
    progress = true;
  }
  return progress;
}

// -- completion_poller ------------------------------------------------------------------

completion_poller& completion_poller::of(kernel_backend backend, int device) {
  static std::mutex mutex;
  static std::map<std::pair<int, int>, std::unique_ptr<completion_poller>> pollers;
  bool cuda = backend == kernel_backend::cuda;
  std::pair key{cuda ? 1 : 0, cuda ? device : 0};
  std::lock_guard guard{mutex};
  auto& p = pollers[key];
  if (!p)
    p = std::make_unique<completion_poller>(cuda);
  return *p;
}

namespace {

/// A doorbell on a cache line of its own (the poller's hot word).
struct alignas(64) padded_doorbell : doorbell {};

} // namespace

completion_poller::completion_poller(bool cuda)
  : bell_(std::make_shared<padded_doorbell>()), cuda_(cuda) {
  thread_ = std::thread{[this] { run(); }};
}

completion_poller::~completion_poller() {
  {
    std::lock_guard guard{mutex_};
    stop_ = true;
  }
  changed_.store(true, std::memory_order_release);
  wake();
  thread_.join();
}

void completion_poller::add(std::shared_ptr<kernel_session> s) {
  {
    std::lock_guard guard{mutex_};
    added_.push_back(std::move(s));
  }
  notify();
}

void completion_poller::run() {
  using clock = std::chrono::steady_clock;
  std::vector<std::shared_ptr<kernel_session>> sessions;
  std::uint32_t idle = 0;
  for (;;) {
    if (changed_.exchange(false, std::memory_order_acquire)) {
      std::lock_guard guard{mutex_};
      if (stop_)
        break;
      for (auto& s : added_)
        sessions.push_back(std::move(s));
      added_.clear();
    }
    auto now = clock::now();
    bool progress = false;
    bool busy = false;
    for (auto& s : sessions) {
      progress |= s->poll(now);
      busy |= s->wants_polling();
    }
    std::erase_if(sessions, [](const auto& s) { return s->finished(); });
    if (progress) {
      idle = 0;
      continue;
    }
    ++idle;
    if (idle < spin_polls) {
      dev::pause();
    } else if (idle < spin_polls + yields_before_park) {
      std::this_thread::yield();
    } else {
      std::chrono::nanoseconds slice = idle_poll_slice;
      if (sessions.empty())
        slice = std::chrono::seconds{1};
      else if (busy || cuda_)
        slice = busy_poll_slice;
      park(
        *bell_,
        [&] {
          if (changed_.load(std::memory_order_relaxed))
            return true;
          for (auto& s : sessions)
            if (s->k2h_ready())
              return true;
          return false;
        },
        slice);
    }
  }
  // Process exit: kernels still running cannot be joined safely here.
  for (auto& s : sessions)
    if (!s->finished())
      kernel_session::abandon(std::move(s), bell_);
}

} // namespace detail

} // namespace ringactor
