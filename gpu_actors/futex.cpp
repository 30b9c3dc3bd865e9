// ringactor: the futex behind doorbells (Linux), with a portable fallback.
#include "ringactor/gpu/doorbell.hpp"

#include <thread>

#if defined(__linux__)
#  include <climits>
#  include <ctime>
#  include <linux/futex.h>
#  include <sys/syscall.h>
#  include <unistd.h>
#endif

namespace ringactor::detail {

void futex_wait(std::uint32_t* word, std::uint32_t expected,
                std::chrono::nanoseconds timeout) noexcept {
#if defined(__linux__)
  auto ns = timeout.count() > 0 ? timeout.count() : 0;
  timespec ts{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
  // Returns at once if *word != expected (EAGAIN); EINTR and ETIMEDOUT are
  // ordinary returns: the caller re-checks its condition either way.
  syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, expected, &ts, nullptr, 0);
#else
  (void) word;
  (void) expected;
  std::this_thread::sleep_for(std::min(timeout, std::chrono::nanoseconds{100'000}));
#endif
}

void futex_wake_all(std::uint32_t* word) noexcept {
#if defined(__linux__)
  syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
#else
  (void) word;
#endif
}

} // namespace ringactor::detail
