// Helpers for the libactor suite: waiting on events with a bound, never on
// sleeps.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <ringactor/all.hpp>

// Whether this build runs under ASan or TSan: GCC defines __SANITIZE_*__,
// clang (CI's ASan compiler) answers __has_feature instead.
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#  define RINGACTOR_TEST_SANITIZED 1
#elif defined(__has_feature)
#  if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#    define RINGACTOR_TEST_SANITIZED 1
#  endif
#endif
#ifndef RINGACTOR_TEST_SANITIZED
#  define RINGACTOR_TEST_SANITIZED 0
#endif

namespace test_util {

/// Polls `pred` until it holds or `limit` passed; returns whether it holds.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds{10}) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > until)
      return false;
    std::this_thread::yield();
  }
  return true;
}

/// A one-shot gate a handler can block on until the test opens it.
class gate {
public:
  void open() {
    {
      std::lock_guard guard{mtx_};
      open_ = true;
    }
    cv_.notify_all();
  }
  void wait() {
    std::unique_lock guard{mtx_};
    cv_.wait(guard, [this] { return open_; });
  }
  void mark_entered() {
    {
      std::lock_guard guard{mtx_};
      entered_ = true;
    }
    cv_.notify_all();
  }
  bool wait_entered(std::chrono::milliseconds limit = std::chrono::seconds{10}) {
    std::unique_lock guard{mtx_};
    return cv_.wait_for(guard, limit, [this] { return entered_; });
  }

private:
  std::mutex mtx_;
  std::condition_variable cv_;
  bool open_ = false;
  bool entered_ = false;
};

/// Captures log lines while alive.
class log_capture {
public:
  log_capture() {
    ringactor::set_log_sink([this](ringactor::log_level, std::string_view line) {
      std::lock_guard guard{mtx_};
      lines_.emplace_back(line);
    });
  }
  ~log_capture() { ringactor::set_log_sink({}); }
  bool contains(std::string_view needle) {
    std::lock_guard guard{mtx_};
    for (auto& line : lines_)
      if (line.find(needle) != std::string::npos)
        return true;
    return false;
  }

private:
  std::mutex mtx_;
  std::vector<std::string> lines_;
};

} // namespace test_util
