// ringactor: the persistent kernel loop, written once for every backend.
//
// Each thread of the grid (real on CUDA, emulated on the CPU backend) runs
// run_kernel_loop(). Per message:
//
//   leader: wait for an H2K slot (spin, back off or park), copy it to the
//           scratch area, free the slot; or decide to stop
//   ---- grid barrier ----
//   every thread: dispatch by type id to Kernel::handle(ctx, const T&)
//   ---- grid barrier ----
//   leader: publish a snapshot when one is due and the message did not
//           fault, make sure a request got an answer, count the message,
//           beat, record a fault
//
// A Kernel is a trivially copyable struct (its state lives in device memory
// on CUDA) with `using inputs = ringactor::message_list<...>` and, for each
// input T, `template <class Ctx> RINGACTOR_DEVICE R handle(Ctx&, const T&)`;
// a non-void R is the reply. An optional `using outputs = ...` lists what it
// sends to host actors. Optional snapshot hooks (snapshot_hooks.hpp) let a
// restarted kernel continue from its last snapshot.
//
// Device-facing header (docs/device-headers.md): a kernel may include it; it
// and all it includes compile under nvcc, with no fmt, iostream or threads.
#pragma once

#include <cstdint>
#include <type_traits>

#include "ringactor/gpu/control_block.hpp"
#include "ringactor/gpu/detail/loop_state.hpp"
#include "ringactor/gpu/device.hpp"
#include "ringactor/gpu/kernel_context.hpp"
#include "ringactor/gpu/kernel_params.hpp"
#include "ringactor/gpu/message_list.hpp"
#include "ringactor/gpu/slot.hpp"
#include "ringactor/gpu/snapshot_area.hpp"
#include "ringactor/gpu/snapshot_hooks.hpp"

namespace ringactor {

namespace detail {

template <class Kernel>
concept has_inputs = requires { typename Kernel::inputs; };

template <class Kernel, class Ctx, class T>
concept handles_message = requires(Kernel& k, Ctx& ctx, const T& m) { k.handle(ctx, m); };

template <class Kernel, class Ctx, class List>
struct handles_all;

template <class Kernel, class Ctx, class... Ts>
struct handles_all<Kernel, Ctx, message_list<Ts...>>
  : std::bool_constant<(handles_message<Kernel, Ctx, Ts> && ...)> {};

/// Readable compile errors for a kernel that cannot run; true if it can.
template <class Kernel, class Ctx>
RINGACTOR_HOST_DEVICE constexpr bool check_kernel() {
  if constexpr (!has_inputs<Kernel>) {
    static_assert(has_inputs<Kernel>, "ringactor: a kernel declares the messages it accepts: "
                                      "`using inputs = ringactor::message_list<...>;`");
    return false;
  } else {
    static_assert(std::is_trivially_copyable_v<Kernel>,
                  "ringactor: a kernel must be trivially copyable (its state is copied to "
                  "device memory); hold large data in a device_buffer");
    static_assert(all_trivially_copyable<typename Kernel::inputs>::value,
                  "ringactor: every message in a kernel's inputs must be trivially copyable");
    static_assert(handles_all<Kernel, Ctx, typename Kernel::inputs>::value,
                  "ringactor: the kernel lacks a handler for one of its inputs: write "
                  "`template <class Ctx> RINGACTOR_DEVICE R handle(Ctx&, const T&)` for each T");
    constexpr bool hooks_ok = check_snapshot_hooks<Kernel>();
    return hooks_ok && std::is_trivially_copyable_v<Kernel>
           && all_trivially_copyable<typename Kernel::inputs>::value
           && handles_all<Kernel, Ctx, typename Kernel::inputs>::value;
  }
}

template <class T, class Kernel, class Ctx>
RINGACTOR_DEVICE void invoke_handler(Kernel& k, Ctx& ctx, const std::byte* payload) {
  // The leader copied the bytes of a T here (memcpy creates the object).
  const T& msg = *reinterpret_cast<const T*>(payload);
  using result = decltype(k.handle(ctx, msg));
  if constexpr (std::is_void_v<result>)
    k.handle(ctx, msg);
  else
    ctx.reply(k.handle(ctx, msg));
}

template <class Kernel, class Ctx, class T, class... Ts>
RINGACTOR_DEVICE kernel_error dispatch(Kernel& k, Ctx& ctx, const slot_header& h,
                                       const std::byte* payload, std::uint32_t id,
                                       message_list<T, Ts...>) {
  if (h.type_id == id) {
    if (h.payload_size != sizeof(T))
      return kernel_error::malformed_message;
    invoke_handler<T>(k, ctx, payload);
    return kernel_error::none;
  }
  if constexpr (sizeof...(Ts) > 0)
    return detail::dispatch(k, ctx, h, payload, id + 1, message_list<Ts...>{});
  else
    return kernel_error::unknown_message;
}

template <class Kernel, class Ctx>
RINGACTOR_DEVICE kernel_error dispatch(Kernel&, Ctx&, const slot_header&, const std::byte*,
                                       std::uint32_t, message_list<>) {
  return kernel_error::unknown_message;
}

/// Publishes a kernel's snapshot into the snapshot area (leader only, at a
/// message boundary: every thread of the grid finished the last message).
template <class Kernel>
struct kernel_snapshot_publisher {
  Kernel* kernel;

  RINGACTOR_DEVICE void operator()(snapshot_area_ref area, std::uint64_t number,
                                   std::uint64_t messages) const noexcept {
    if constexpr (snapshot_kernel<Kernel>) {
      const typename Kernel::snapshot_type s = kernel->snapshot();
      area.publish(number, &s, messages);
    }
  }
};

template <class Kernel, class Context, class Grid>
RINGACTOR_DEVICE void run_checked_loop(const kernel_params& params, Grid& grid) {
  using context = Context;
  auto& kernel = *static_cast<Kernel*>(params.kernel);
  const kernel_snapshot_publisher<Kernel> snapshot{&kernel};
  grid_scratch scratch{params.scratch};
  loop_state<Grid> leader{params, grid};
  const auto dim = grid.dim();
  if (grid.is_leader())
    leader.start();
  for (;;) {
    if (grid.is_leader())
      scratch.set_step(leader.next(scratch));
    grid.sync();
    if (scratch.step() != loop_step::message)
      break;
    const slot_header& header = scratch.header();
    auto result = kernel_error::none;
    grid.for_each_thread([&](thread_coord me) {
      context ctx{leader, me, dim, header, scratch};
      auto r = detail::dispatch(kernel, ctx, header, scratch.payload(), 1,
                                typename Kernel::inputs{});
      if (ctx.is_leader())
        result = r;
    });
    grid.sync();
    if (grid.is_leader())
      leader.finish(scratch, result, snapshot);
  }
  if (grid.is_leader())
    leader.stop(snapshot);
}

} // namespace detail

/// Runs the loop on one (possibly emulated) thread of `grid`; returns when
/// the loop stops (drained, terminated, faulted, or after one message in
/// launch mode). Every thread of the grid must call it.
template <class Kernel, class Grid>
RINGACTOR_DEVICE void run_kernel_loop(const kernel_params& params, Grid& grid) {
  using context = kernel_context<Kernel, Grid>;
  if constexpr (detail::check_kernel<Kernel, context>())
    detail::run_checked_loop<Kernel, context>(params, grid);
}

} // namespace ringactor
