// ringactor: the per-device completion poller, the host thread that serves
// every kernel session on a device (kernel_session_poll.cpp), paced by a
// poll_policy (poll_policy.hpp).
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include "ringactor/gpu/detail/kernel_session.hpp"

namespace ringactor::detail {

completion_poller& completion_poller::of(kernel_backend backend, int device) {
  static std::mutex mutex;
  static std::map<std::pair<int, int>, std::unique_ptr<completion_poller>> pollers;
  bool cuda = backend == kernel_backend::cuda;
  std::pair key{cuda ? 1 : 0, cuda ? device : 0};
  std::lock_guard guard{mutex};
  auto& p = pollers[key];
  if (!p)
    p = std::make_unique<completion_poller>();
  return *p;
}

namespace {

/// A doorbell on a cache line of its own (the poller's hot word).
struct alignas(64) padded_doorbell : doorbell {};

} // namespace

completion_poller::completion_poller(const poll_pacing& pacing)
  : bell_(std::make_shared<padded_doorbell>()), pacing_(pacing) {
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
  poll_policy policy{pacing_};
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
    for (auto& s : sessions)
      progress |= s->poll(now);
    std::erase_if(sessions, [](const auto& s) { return s->finished(); });
    // Relaxed: statistics (rounds(), parks()).
    rounds_.fetch_add(1, std::memory_order_relaxed);
    poll_demand demand;
    if (policy.needs_demand(progress)) {
      demand.sessions = !sessions.empty();
      for (auto& s : sessions) {
        demand.device_sessions |= s->backend() == kernel_backend::cuda;
        demand.waiting |= s->wants_polling();
      }
    }
    auto next = policy.after_round(progress, now, demand);
    switch (next.what) {
      case poll_policy::action::poll: break;
      case poll_policy::action::pause: dev::pause(); break;
      case poll_policy::action::yield: std::this_thread::yield(); break;
      case poll_policy::action::park:
        parks_.fetch_add(1, std::memory_order_relaxed);
        parked_.store(true, std::memory_order_relaxed);
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
          next.park_for);
        parked_.store(false, std::memory_order_relaxed);
        break;
    }
  }
  // Process exit: kernels still running cannot be joined safely here.
  for (auto& s : sessions)
    if (!s->finished())
      kernel_session::abandon(std::move(s), bell_);
}

} // namespace ringactor::detail
