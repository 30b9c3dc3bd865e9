// Helpers shared by the gpu_actors tests.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <optional>

#include <doctest/doctest.h>

#include <ringactor/all.hpp>
#include <ringactor/gpu/channel.hpp>
#include <ringactor/gpu/cuda_backend.hpp>

namespace gpu_test {

using namespace std::chrono_literals;

/// Generous: sanitizer builds on a 2-core machine are slow. Tests wait on
/// events and only fail at this bound.
inline constexpr auto patience = 20s;

/// One slot taken from K2H.
struct received {
  ringactor::slot_header header;
  alignas(64) std::array<std::byte, 4096> payload{};

  template <class T>
  T as() const {
    T value;
    std::memcpy(&value, payload.data(), sizeof(T));
    return value;
  }
};

/// The next K2H slot, waiting up to `timeout`.
inline std::optional<received> receive(ringactor::kernel_channel& ch,
                                       std::chrono::nanoseconds timeout = patience) {
  received r;
  if (!ch.receive(r.header, r.payload.data(), timeout))
    return std::nullopt;
  return r;
}

/// Waits up to `timeout` for `pred()`, woken by the kernel's K2H activity.
template <class Pred>
bool eventually(ringactor::kernel_channel& ch, Pred pred,
                std::chrono::nanoseconds timeout = patience) {
  return ch.wait_until(pred, timeout);
}

/// Waits up to `timeout` for the down message of `whom` (dropping those of
/// other actors) and returns its reason, or an error saying none came.
inline ringactor::error await_down(ringactor::scoped_actor& self, const ringactor::actor_addr& whom,
                                   std::chrono::seconds timeout = patience) {
  ringactor::error reason{ringactor::sec::runtime_error, "no down message"};
  auto deadline = std::chrono::steady_clock::now() + timeout;
  bool done = false;
  while (!done && std::chrono::steady_clock::now() < deadline)
    self->receive_for(timeout, [&](ringactor::down_msg& d) {
      if (d.source == whom) {
        reason = d.reason;
        done = true;
      }
    });
  return reason;
}

/// Whether the CUDA variants of a test can run here; says why not otherwise
/// (they then skip with that message).
inline bool have_cuda_device() {
  if (!ringactor::cuda_backend_compiled()) {
    MESSAGE("skipped: this build has no CUDA backend");
    return false;
  }
  if (ringactor::cuda_device_count() == 0) {
    MESSAGE("skipped: no CUDA device");
    return false;
  }
  return true;
}

} // namespace gpu_test
