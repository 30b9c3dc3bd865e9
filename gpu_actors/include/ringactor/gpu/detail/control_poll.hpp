// ringactor: when the kernel loop's leader looks at the words the host
// writes to steer it: the command (run, drain, terminate) in the control
// block and the version of its K2K port.
//
// On CUDA both live in mapped host memory: each look is a PCIe read. The
// leader looks
//
// - at the first poll of each wait for a message: then the two loads are
//   issued together with the load of the H2K head (the slot's sequence),
//   so their round trips overlap and a message waits for none of them; a
//   drain or terminate raised before a message was taken is seen before
//   it, as the protocol promises;
// - while H2K stays empty: at every `idle_polls_per_look`-th poll only, and
//   at every poll from `look_every_idle_poll_from` on (by then the loop
//   backs off between polls, so a look per poll costs no more than the
//   poll). An idle kernel so reads two words instead of three per poll.
//
// A K2K send reads the port's version itself (k2k_endpoint::send), so a
// route published before the message that uses it is found at once.
//
// Plain logic with no memory access of its own, so that a host test can
// drive it.
//
// Device-facing header (docs/device-headers.md): a kernel may include it; it
// and all it includes compile under nvcc, with no fmt, iostream or threads.
#pragma once

#include <cstdint>

#include "ringactor/gpu/device.hpp"

namespace ringactor::detail {

struct control_poll {
  static constexpr std::uint32_t idle_polls_per_look = 8;
  static constexpr std::uint32_t look_every_idle_poll_from = 64;

  /// Whether to look at the command and port version at poll `idle` of a
  /// wait for the next message (0: the first poll).
  RINGACTOR_HOST_DEVICE static constexpr bool due(std::uint32_t idle) noexcept {
    return idle % idle_polls_per_look == 0 || idle >= look_every_idle_poll_from;
  }
};

} // namespace ringactor::detail
