// The wait policy of a CUDA launch-mode launch (detail/launch_wait.hpp):
// plain host logic, tested here since no test machine has a GPU.
#include <doctest/doctest.h>

#include <chrono>

#include <ringactor/gpu/detail/launch_wait.hpp>

using namespace std::chrono_literals;
using ringactor::detail::launch_wait_policy;
using kind = ringactor::detail::launch_wait_step::kind;

TEST_CASE("a launch-mode wait polls without pause first, then yields, and sleeps only after 2 ms") {
  constexpr launch_wait_policy policy{};
  CHECK(policy.next(0ns).what == kind::poll);
  CHECK(policy.next(19us).what == kind::poll);
  CHECK(policy.next(20us).what == kind::yield);
  CHECK(policy.next(100us).what == kind::yield);
  CHECK(policy.next(1999us).what == kind::yield);
  CHECK(policy.next(2ms).what == kind::sleep);
}

TEST_CASE("a launch-mode wait sleeps an eighth of the time waited, from 200 us up to 1 ms") {
  constexpr launch_wait_policy policy{};
  // Just past the yield phase: 2 ms / 8 = 250 us.
  CHECK(policy.next(2ms).pause == 250us);
  CHECK(policy.next(4ms).pause == 500us);
  // Long launches: never more than 1 ms late.
  CHECK(policy.next(8ms).pause == 1ms);
  CHECK(policy.next(10s).pause == 1ms);
  // A policy with a short yield phase still sleeps at least min_sleep.
  constexpr launch_wait_policy eager{.spin_for = 1us, .yield_for = 2us};
  CHECK(eager.next(100us).what == kind::sleep);
  CHECK(eager.next(100us).pause == 200us);
}
