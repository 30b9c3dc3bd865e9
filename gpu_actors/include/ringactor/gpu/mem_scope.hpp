// ringactor: the scope of an atomic operation, and the atomics of the device
// API (device.hpp) with a scope argument.
//
// A ring in pinned host memory mapped into the device (H2K, K2H) is shared
// with host threads: its sequence numbers need system scope. A device
// channel between two kernels on one device (K2K) lives in device memory
// that only kernels of that device touch while they run: device scope
// suffices, and a device-scope release (fence.acq_rel.gpu) does not wait for
// the kernel's earlier writes to reach the host as a system-scope one does.
//
// On the host compiler (the CPU backend) every scope is a std::atomic_ref:
// host threads are one "device".
//
// Device-facing header (docs/device-headers.md): a kernel may include it; it
// and all it includes compile under nvcc, with no fmt, iostream or threads.
#pragma once

#include <atomic>
#include <cstdint>

#include "ringactor/gpu/device.hpp"

namespace ringactor {

/// Who must observe an atomic operation in the right order.
enum class mem_scope : std::uint32_t {
  system = 0, ///< the host and every device (mapped host memory)
  device = 1, ///< the threads of one device (its own device memory)
};

namespace dev {

/// atomic_load (device.hpp) at `scope`.
template <class T>
RINGACTOR_HOST_DEVICE RINGACTOR_INLINE T atomic_load(const T& x, mem_order mo,
                                                     mem_scope scope) noexcept {
  static_assert(detail::atomic_operand<T>, "ringactor: atomics work on integers and pointers");
#if RINGACTOR_DEVICE_PASS
  auto& ref = const_cast<T&>(x);
  if (scope == mem_scope::device)
    return cuda::atomic_ref<T, cuda::thread_scope_device>{ref}.load(detail::to_cuda(mo));
  return detail::system_atomic_ref<T>{ref}.load(detail::to_cuda(mo));
#else
  (void) scope;
  return atomic_load(x, mo);
#endif
}

/// atomic_store (device.hpp) at `scope`.
template <class T>
RINGACTOR_HOST_DEVICE RINGACTOR_INLINE void atomic_store(T& x, T value, mem_order mo,
                                                         mem_scope scope) noexcept {
  static_assert(detail::atomic_operand<T>, "ringactor: atomics work on integers and pointers");
#if RINGACTOR_DEVICE_PASS
  if (scope == mem_scope::device)
    cuda::atomic_ref<T, cuda::thread_scope_device>{x}.store(value, detail::to_cuda(mo));
  else
    detail::system_atomic_ref<T>{x}.store(value, detail::to_cuda(mo));
#else
  (void) scope;
  atomic_store(x, value, mo);
#endif
}

} // namespace dev

} // namespace ringactor
