// pool_burst_rss: how much of a message burst's memory the process keeps
// once the workers idle (issue 18, finding 2). One actor is held by its
// first message until N messages (24-byte payload) are queued, so that all
// N mailbox elements live at once; then it drains them. Prints the resident
// set before, at the peak (VmHWM) and once the workers idled (polled every
// 20 ms for up to 5 s, until within 4 MiB of the start), as JSON lines.
//
// Usage: pool_burst_rss [N]   (default 1,000,000)
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>

#include <ringactor/all.hpp>

using namespace ringactor;

namespace {

struct payload {
  long a, b, c;
};

/// A line of /proc/self/status in KiB ("VmRSS:", "VmHWM:").
long status_kib(const std::string& key) {
  std::ifstream f{"/proc/self/status"};
  std::string line;
  while (std::getline(f, line))
    if (line.rfind(key, 0) == 0)
      return std::stol(line.substr(key.size()));
  return -1;
}

void print(const char* metric, long kib) {
  std::printf("{\"bench\":\"pool_burst\",\"impl\":\"ringactor\",\"metric\":\"%s\","
              "\"value\":%.1f,\"unit\":\"MiB\",\"workers\":2}\n",
              metric, static_cast<double>(kib) / 1024.0);
}

} // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 1'000'000;
  if (n <= 0) {
    std::fprintf(stderr, "pool_burst_rss: N must be a positive number of messages\n");
    return 2;
  }
  actor_system sys{actor_system_config{}.set_workers(2)};
  std::mutex mtx;
  std::condition_variable cv;
  bool open = false;
  std::atomic<int> handled{0};
  auto sink = sys.spawn([&]() -> behavior {
    return {[&](payload) {
      if (handled.load(std::memory_order_relaxed) == 0) {
        std::unique_lock guard{mtx};
        cv.wait(guard, [&] { return open; });
      }
      handled.fetch_add(1, std::memory_order_release);
    }};
  });
  const long before = status_kib("VmRSS:");
  for (int i = 0; i < n; ++i)
    anon_send(sink, payload{i, i, i});
  {
    std::lock_guard guard{mtx};
    open = true;
  }
  cv.notify_all();
  while (handled.load(std::memory_order_acquire) != n)
    std::this_thread::yield();
  const long peak = status_kib("VmHWM:");
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds{5};
  long after = status_kib("VmRSS:");
  while (after > before + 4096 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
    after = status_kib("VmRSS:");
  }
  print("rss_before_mib", before);
  print("rss_peak_mib", peak);
  print("rss_after_idle_mib", after);
  return 0;
}
