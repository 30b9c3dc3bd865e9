// ringactor: the per-device completion poller, the host thread that serves
// every kernel session on a device (kernel_session_poll.cpp).
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

} // namespace ringactor::detail
