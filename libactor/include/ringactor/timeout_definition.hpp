// ringactor: the idle timeout of a behavior, written as in CAF:
//
//   behavior{
//     [](int x) { ... },
//     after(500ms) >> [self] { self->quit(); },   // 500 ms without a message
//   };
#pragma once

#include <chrono>
#include <type_traits>
#include <utility>

namespace ringactor {

/// An idle timeout and what to do when it fires: a behavior's last entry.
/// The handler takes no argument.
template <class F>
struct timeout_definition {
  std::chrono::nanoseconds delay;
  F handler;
};

/// The left side of `after(d) >> f`.
struct timeout_duration {
  std::chrono::nanoseconds delay;

  template <class F>
  timeout_definition<F> operator>>(F f) const {
    static_assert(std::is_invocable_v<F&>,
                  "ringactor: the handler of an idle timeout, after(d) >> f, takes no argument");
    return {delay, std::move(f)};
  }
};

/// An idle timeout of `d`: `after(d) >> f` runs f when the actor received no
/// message for d while the behavior is current (again every d after that).
template <class Rep, class Period>
constexpr timeout_duration after(std::chrono::duration<Rep, Period> d) {
  return {std::chrono::duration_cast<std::chrono::nanoseconds>(d)};
}

namespace detail {

template <class T>
inline constexpr bool is_timeout_definition_v = false;
template <class F>
inline constexpr bool is_timeout_definition_v<timeout_definition<F>> = true;

} // namespace detail

} // namespace ringactor
