// ringactor: the hook through which a K2K broker reaches the K2K port of a
// kernel actor (k2k_port.hpp): a process-wide registry from the actor id of
// every persistent or launch-mode kernel spawn_kernel started to its port,
// its backend and device, and the host type ids of its inputs and outputs.
//
//   if (auto port = claim_kernel_port(kernel.id(), this)) {
//     k2k_port_ref ref{port->channel->k2k_port_host()};
//     ...                                     // publish routes and channels
//     release_kernel_port(kernel.id(), this);
//   }
//
// A port has one owner at a time (the first broker to claim it): the route
// table is edited by one host thread. The registry keeps only a weak
// reference to the kernel's session; a claim holds a strong one, so the
// port's memory lives as long as its owner may touch it.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include <ringactor/abstract_actor.hpp>
#include <ringactor/dynamic_message.hpp>
#include <ringactor/type_id.hpp>

#include "ringactor/gpu/channel.hpp"
#include "ringactor/gpu/hlc_timestamp.hpp"
#include "ringactor/gpu/kernel_config.hpp"
#include "ringactor/gpu/message_list.hpp"

namespace ringactor {

/// What a claim on a kernel's port gives its owner.
struct kernel_port_info {
  /// Keeps the kernel's session, and with it the channel memory, alive.
  std::shared_ptr<void> keepalive;
  kernel_channel* channel = nullptr;
  kernel_backend backend = kernel_backend::cpu;
  int device = 0;
  loop_mode mode = loop_mode::persistent;
  /// Host type ids of the kernel's `inputs` and `outputs`, by position
  /// (index i is slot type id i + 1).
  std::vector<type_id_t> inputs;
  std::vector<type_id_t> outputs;
  /// Set by the kernel's completion poller once the host knows that the
  /// loop ended (kernel_session::loop_ended): its stream failed or its
  /// device is lost, which a dead kernel never writes into its control
  /// block. Lives as long as `keepalive`; null: not known to the host.
  const std::atomic<bool>* loop_ended = nullptr;

  /// Whether the kernel's loop may still read its port: it has not
  /// terminated or faulted, and the host has not seen it end (a kernel
  /// killed by a device fault keeps `active` in its control block).
  bool loop_running() const noexcept {
    // Pairs with the poller's release store of the session's loop_ended_.
    if (loop_ended != nullptr && loop_ended->load(std::memory_order_acquire))
      return false;
    auto s = channel->control().state();
    return s != kernel_state::terminated && s != kernel_state::faulted;
  }
};

/// Claims the port of kernel actor `id` for `owner`. Empty when `id` is no
/// kernel actor, its kernel is gone, or another owner holds the port.
std::optional<kernel_port_info> claim_kernel_port(actor_id id, const void* owner);

/// Gives a claimed port back (no effect unless `owner` holds it).
void release_kernel_port(actor_id id, const void* owner) noexcept;

/// Gives up a claimed port for good (no effect unless `owner` holds it): no
/// owner, `owner` included, can claim it again. For a kernel that never
/// acknowledged the retirement of entries in its port: it may still use
/// them, and a later owner's fresh bookkeeping would hand them out again.
void abandon_kernel_port(actor_id id, const void* owner) noexcept;

/// A kernel's ctx.send to a destination its broker reaches through its
/// routes (k2k_route_kind::broker): what the completion poller hands that
/// broker, from the kernel actor.
struct kernel_routed_message {
  std::uint64_t destination = 0; ///< the K2K address the kernel named
  hlc_timestamp stamp;           ///< the kernel's clock at the send
  dynamic_message content;       ///< the message, as the kernel's output type
};

// -- device channel memory (k2k_port.hpp) -----------------------------------------
//
// The host never dereferences a device channel: it writes the channel's
// first image before publishing it, and reads its counters, through these
// functions, which copy on CUDA and touch host memory on the CPU backend.
// So the broker runs the same code on both backends.

/// Zeroed memory for a device channel between kernels of `backend` on
/// `device`: device memory on CUDA (allocate_device: host() null; pinned
/// mapped host memory on a device without memory pools, where freeing
/// device memory would wait for the running kernels), host memory on the
/// CPU backend. Throws cuda_error when CUDA cannot.
shared_region allocate_k2k_channel(kernel_backend backend, int device, std::size_t bytes);

/// Copies `n` bytes of `src` to `offset` in `channel`. Only before the
/// channel is published to a kernel (the publication orders it before any
/// use). Throws std::out_of_range beyond the region, cuda_error on CUDA.
void write_k2k_channel(const shared_region& channel, std::size_t offset, const void* src,
                       std::size_t n);

/// The counters in a device channel's header (k2k_channel_header).
struct k2k_channel_counters {
  std::uint64_t produced = 0;
  std::uint64_t consumed = 0;
  std::uint64_t queue_full = 0;
};

/// Reads the counters of a channel while its kernels may run: each value
/// is one its kernel wrote (relaxed; statistics, and final once both
/// kernels let go of the channel). Throws cuda_error on CUDA.
k2k_channel_counters read_k2k_channel_counters(const shared_region& channel);

namespace detail {

template <class... Ts>
std::vector<type_id_t> type_ids_of(message_list<Ts...>) {
  return {type_id_of<Ts>()...};
}

/// Records a started kernel (called by spawn_kernel). `session` is the
/// kernel's session; the registry keeps a weak reference to it.
/// `loop_ended` (see kernel_port_info) lives in the session.
void register_kernel_port(actor_id id, const std::shared_ptr<void>& session,
                          kernel_channel& channel, kernel_backend backend, int device,
                          loop_mode mode, std::vector<type_id_t> inputs,
                          std::vector<type_id_t> outputs,
                          const std::atomic<bool>* loop_ended = nullptr);

template <class Kernel>
void register_kernel_port(actor_id id, const std::shared_ptr<void>& session,
                          kernel_channel& channel, kernel_backend backend, const kernel_config& cfg,
                          const std::atomic<bool>* loop_ended = nullptr) {
  std::vector<type_id_t> outputs;
  if constexpr (has_outputs<Kernel>)
    outputs = type_ids_of(typename Kernel::outputs{});
  register_kernel_port(id, session, channel, backend, cfg.device, cfg.mode,
                       type_ids_of(typename Kernel::inputs{}), std::move(outputs), loop_ended);
}

} // namespace detail

} // namespace ringactor
