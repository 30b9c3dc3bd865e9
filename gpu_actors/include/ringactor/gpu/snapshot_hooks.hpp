// ringactor: the snapshot and restore hooks a kernel type may provide, so that
// a restarted kernel continues from its last consistent state instead of its
// initial one (see snapshot_store.hpp for the host side).
//
//   struct counter {
//     using inputs = ringactor::message_list<add>;
//     using snapshot_type = counter_state;                    // trivially copyable
//     RINGACTOR_HOST_DEVICE counter_state snapshot() const { return state; }
//     RINGACTOR_HOST_DEVICE void restore(const counter_state& s) { state = s; }
//     ...
//     counter_state state;
//   };
//
// The kernel loop's leader calls snapshot() after a message that did not
// fault, once every grid thread finished it; spawn_kernel calls restore() on
// the host, on its copy of the kernel, before the kernel starts. Neither hook
// may touch anything but the kernel's own state.
//
// Device-facing header (docs/device-headers.md): a kernel may include it; it
// and all it includes compile under nvcc, with no fmt, iostream or threads.
#pragma once

#include <concepts>
#include <cstddef>
#include <type_traits>

#include "ringactor/gpu/device.hpp"

namespace ringactor {

/// The largest snapshot_type a kernel may declare, in bytes. The leader
/// copies the whole snapshot into shared memory after every
/// snapshot_interval-th message (on CUDA: one system-scope store per 8 bytes
/// into mapped host memory, i.e. across PCIe), so it is meant for counters,
/// cursors and small tables; hold bulk data in a device_buffer and snapshot
/// what identifies it.
inline constexpr std::size_t max_snapshot_size = 1024;

namespace detail {

template <class Kernel>
concept declares_snapshot_type = requires { typename Kernel::snapshot_type; };

template <class Kernel>
concept has_snapshot_member = requires(const Kernel& k) { k.snapshot(); };

template <class Kernel>
concept has_restore_member = requires { &Kernel::restore; };

} // namespace detail

/// Whether Kernel provides all three snapshot hooks with matching types.
template <class Kernel>
concept snapshot_kernel = detail::declares_snapshot_type<Kernel>
                          && requires(const Kernel& k, Kernel& m,
                                      const typename Kernel::snapshot_type& s) {
                               { k.snapshot() } -> std::same_as<typename Kernel::snapshot_type>;
                               m.restore(s);
                             };

namespace detail {

/// Readable compile errors for half-present or unusable hooks; true when the
/// kernel either has none of them or all of them, usable.
template <class Kernel>
RINGACTOR_HOST_DEVICE constexpr bool check_snapshot_hooks() {
  constexpr bool any = declares_snapshot_type<Kernel> || has_snapshot_member<Kernel>
                       || has_restore_member<Kernel>;
  if constexpr (!any) {
    return true;
  } else if constexpr (!snapshot_kernel<Kernel>) {
    static_assert(snapshot_kernel<Kernel>,
                  "ringactor: a kernel with snapshot hooks provides all three, with the same "
                  "type S: `using snapshot_type = S;`, `RINGACTOR_HOST_DEVICE S snapshot() "
                  "const` and `RINGACTOR_HOST_DEVICE void restore(const S&)`");
    return false;
  } else {
    using S = typename Kernel::snapshot_type;
    static_assert(std::is_trivially_copyable_v<S>,
                  "ringactor: a kernel's snapshot_type must be trivially copyable (it is "
                  "copied into memory the host and the device share)");
    static_assert(sizeof(S) <= max_snapshot_size,
                  "ringactor: a kernel's snapshot_type is larger than max_snapshot_size "
                  "(1024 bytes); keep bulk state in a device_buffer");
    return std::is_trivially_copyable_v<S> && sizeof(S) <= max_snapshot_size;
  }
}

} // namespace detail

} // namespace ringactor
