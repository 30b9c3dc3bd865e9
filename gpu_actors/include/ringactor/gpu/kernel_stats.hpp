// ringactor: statistics of a kernel actor. Ask any kernel actor through an
// untyped handle:
//
//   scoped_actor self{sys};
//   auto s = self->request(actor_cast<actor>(k), 1s, get_kernel_stats{}).get<kernel_stats>();
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "ringactor/gpu/control_block.hpp"
#include "ringactor/gpu/kernel_config.hpp"

namespace ringactor {

/// Answered by every kernel actor with a kernel_stats.
struct get_kernel_stats {};

struct kernel_stats {
  kernel_backend backend = kernel_backend::cpu; ///< cpu or cuda, never automatic
  loop_mode mode = loop_mode::persistent;
  kernel_state state = kernel_state::launching;
  std::uint64_t messages_processed = 0; ///< handled by the kernel
  std::uint64_t h2k_depth = 0;          ///< in the H2K ring, not yet taken by the kernel
  std::uint64_t k2h_depth = 0;          ///< in the K2H ring, not yet taken by the poller
  std::uint64_t backlog = 0;            ///< waiting in the proxy for H2K space
  std::uint64_t pending_requests = 0;   ///< requests not answered yet
  /// Messages the kernel sent with ctx.send_host() that reached no actor:
  /// the receiver was gone (as a send to a dead actor, they are dropped).
  std::uint64_t host_messages_dropped = 0;
  std::uint64_t heartbeat = 0; ///< the kernel's heartbeat counter
  /// Since the completion poller last saw the heartbeat advance.
  std::chrono::nanoseconds heartbeat_age{0};
};

/// Kernels started by spawn_kernel whose host resources (threads, streams,
/// memory) are not released yet, in this process. For tests and leak checks.
std::size_t live_kernel_count() noexcept;

} // namespace ringactor
