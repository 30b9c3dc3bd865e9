// ringactor: what a kernel's handler sees: where its thread sits in the grid,
// the message's header, and the ways to answer.
//
//   struct adder {
//     using inputs = ringactor::message_list<add>;
//     template <class Ctx>
//     RINGACTOR_DEVICE void handle(Ctx& ctx, const add& m) { ctx.reply(m.a + m.b); }
//   };
//
// Every thread of the grid runs the handler once per message (a data-parallel
// step; use thread_rank() and grid_size() to split work). There is no barrier
// inside a handler: the loop puts a grid-wide barrier before and after each
// message. Answering is done by the grid's leader (rank 0): reply(),
// send_host() and send() called on other threads do nothing, so a handler may
// call them unconditionally. fault() works on any thread.
//
// Device-facing header (docs/device-headers.md): a kernel may include it; it
// and all it includes compile under nvcc, with no fmt, iostream or threads.
#pragma once

#include <cstdint>
#include <type_traits>

#include "ringactor/gpu/control_block.hpp"
#include "ringactor/gpu/detail/loop_state.hpp"
#include "ringactor/gpu/device.hpp"
#include "ringactor/gpu/k2k_port.hpp"
#include "ringactor/gpu/kernel_params.hpp"
#include "ringactor/gpu/message_list.hpp"
#include "ringactor/gpu/slot.hpp"

namespace ringactor {

namespace detail {

/// Named after what it checks, so that the compiler's "required from" line
/// names the offending type.
template <class Message, bool Fits>
struct host_message_fits_kernel_slot {
  static_assert(Fits, "ringactor: the message type named first in "
                      "'host_message_fits_kernel_slot<Type, false>' above cannot travel to the "
                      "host: it must be trivially copyable, fit the kernel's ring slot (declare "
                      "a larger `static constexpr std::size_t slot_size` in the kernel) and be "
                      "aligned to at most 64 bytes");
  static constexpr bool value = Fits;
};

} // namespace detail

template <class Kernel, class Grid>
class kernel_context {
public:
  RINGACTOR_DEVICE kernel_context(detail::loop_state<Grid>& leader, thread_coord me, grid_dim dim,
                                  const slot_header& header, detail::grid_scratch scratch) noexcept
    : leader_(leader), me_(me), dim_(dim), header_(header), scratch_(scratch) {}

  // -- where this thread is ---------------------------------------------------

  /// The thread's index in its block (threadIdx.x on CUDA).
  RINGACTOR_DEVICE std::uint32_t thread_index() const noexcept { return me_.thread; }
  /// The block's index in the grid (blockIdx.x on CUDA).
  RINGACTOR_DEVICE std::uint32_t block_index() const noexcept { return me_.block; }
  /// Threads per block (blockDim.x on CUDA).
  RINGACTOR_DEVICE std::uint32_t block_size() const noexcept { return dim_.threads; }
  /// Blocks in the grid (gridDim.x on CUDA).
  RINGACTOR_DEVICE std::uint32_t block_count() const noexcept { return dim_.blocks; }
  /// The thread's index in the whole grid.
  RINGACTOR_DEVICE std::uint32_t thread_rank() const noexcept {
    return me_.block * dim_.threads + me_.thread;
  }
  /// Threads in the whole grid.
  RINGACTOR_DEVICE std::uint32_t grid_size() const noexcept { return dim_.size(); }
  /// Whether this thread answers (rank 0).
  RINGACTOR_DEVICE bool is_leader() const noexcept { return me_.block == 0 && me_.thread == 0; }

  // -- the message ------------------------------------------------------------

  RINGACTOR_DEVICE const slot_header& header() const noexcept { return header_; }
  /// Whether the sender waits for an answer.
  RINGACTOR_DEVICE bool is_request() const noexcept { return header_.request_id != 0; }
  /// The host actor that sent the message (0 if anonymous), or for a
  /// message from another kernel (from_kernel()) its K2K address.
  RINGACTOR_DEVICE std::uint64_t sender_id() const noexcept { return header_.sender_id; }
  /// Whether the message came from another kernel over a device channel.
  RINGACTOR_DEVICE bool from_kernel() const noexcept {
    return (header_.flags & slot_flags::k2k) != 0;
  }

  /// The span id of the trace the message belongs to (the span of the
  /// host's request, or of the handler that sent it; see trace_context.hpp),
  /// so that a kernel's own records can be joined with the host's trace; 0
  /// when untraced and for messages from other kernels. The slot header has
  /// room for the span id only: the host keeps the rest of the context, and
  /// the reply continues it.
  RINGACTOR_DEVICE std::uint64_t trace_span_id() const noexcept {
    return from_kernel() ? 0 : header_.receiver_id;
  }

  // -- answering --------------------------------------------------------------

  /// Answers the current request with `value` (the first answer wins; on a
  /// plain message it does nothing). A handler that returns a value replies
  /// with it implicitly; one that answers nothing answers with unit.
  ///
  /// T must be exactly the interface's response type for the message
  /// (`ctx.reply(0u)` for `result<std::uint32_t>(M)`, not `ctx.reply(0)`),
  /// and a `result<void>(M)` message gets no value: spawn_kernel checks it
  /// at compile time for handlers written as `template <class Ctx>` (see
  /// detail/reply_check_context.hpp).
  template <class T>
  RINGACTOR_DEVICE void reply(const T& value) noexcept {
    static_assert(std::is_trivially_copyable_v<T>,
                  "ringactor: a kernel's reply must be trivially copyable");
    if (is_leader())
      leader_.push_reply(header_, output_type_id<Kernel, T>(), &value, sizeof(T));
  }

  /// Sends `msg` to the host actor with id `receiver` (through K2H, waiting
  /// while it is full). T must be in the kernel's `outputs` and fit the
  /// kernel's slot (kernel_slot_size_v; both checked at compile time).
  /// Returns false, having sent nothing, on non-leader threads and when the
  /// host asked the kernel to terminate while K2H was full.
  template <class T>
  RINGACTOR_DEVICE bool send_host(std::uint64_t receiver, const T& msg) noexcept {
    static_assert(std::is_trivially_copyable_v<T>,
                  "ringactor: a message a kernel sends must be trivially copyable");
    static_assert(output_type_id<Kernel, T>() != 0,
                  "ringactor: to send this type to the host, list it in the kernel's "
                  "`using outputs = ringactor::message_list<...>`");
    static_assert(
      detail::host_message_fits_kernel_slot<T, slot_message<T, kernel_slot_size_v<Kernel>>>::value);
    return is_leader()
           && leader_.push_message(receiver, output_type_id<Kernel, T>(), &msg, sizeof(T));
  }

  /// Sends `msg` to the K2K endpoint at address `destination`
  /// (k2k_address("name") of the name it is registered under at the
  /// broker). To a kernel on the same device: straight into the device
  /// channel the broker set up, with no host involvement; a full channel
  /// returns queue_full (and counts it) and nothing is sent. To a host
  /// endpoint: through K2H to that actor, waiting while K2H is full, as
  /// send_host() does. T must be in the kernel's `outputs` and, for a kernel
  /// destination, in its `inputs` (else not_accepted). Leader only; other
  /// threads get not_leader. See k2k_port.hpp.
  ///
  ///   if (ctx.send(k2k_address("decoder-0"), frame{...}) == k2k_send_result::queue_full) ...
  template <class T>
  RINGACTOR_DEVICE k2k_send_result send(std::uint64_t destination, const T& msg) noexcept {
    static_assert(std::is_trivially_copyable_v<T>,
                  "ringactor: a message a kernel sends must be trivially copyable");
    static_assert(output_type_id<Kernel, T>() != 0,
                  "ringactor: to send this type to another endpoint, list it in the kernel's "
                  "`using outputs = ringactor::message_list<...>`");
    if (!is_leader())
      return k2k_send_result::not_leader;
    return leader_.send_k2k(destination, output_type_id<Kernel, T>(), &msg, sizeof(T));
  }

  /// Marks the kernel faulted with a user `code` (non-zero): the loop ends
  /// after this message, the request (if any) gets a handler_fault error,
  /// and the control block records handler_fault with `code` as detail.
  RINGACTOR_DEVICE void fault(std::uint32_t code = 1) noexcept {
    scratch_.raise_fault(code == 0 ? 1 : code);
  }

private:
  detail::loop_state<Grid>& leader_;
  thread_coord me_;
  grid_dim dim_;
  const slot_header& header_;
  detail::grid_scratch scratch_;
};

} // namespace ringactor
