// ringactor: the device macros and the small device API that kernels and the
// persistent loop are written in: atomics with an explicit memory order,
// fences, and a pause hint. The same header compiles with nvcc (device and
// host passes) and with the host compiler alone.
//
// Kernel code is marked RINGACTOR_DEVICE. Under nvcc it is compiled for the
// device *and* the host, because the CPU backend runs the very same code on
// host threads; with the host compiler alone the macro is empty.
// RINGACTOR_HOST_DEVICE marks code that the host side calls as well (rings,
// the control block); it expands to the same thing and documents intent.
//
// Thread and block indices are not here: on the CPU backend the grid is
// emulated, so they belong to the kernel context (`ctx.thread_index()`).
//
// Device-facing header (docs/device-headers.md): a kernel may include it; it
// and all it includes compile under nvcc, with no fmt, iostream or threads.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#if defined(__CUDACC__)
#  include <cuda/atomic>
#  define RINGACTOR_DEVICE __host__ __device__
#  define RINGACTOR_HOST_DEVICE __host__ __device__
#  define RINGACTOR_INLINE __forceinline__
#else
#  define RINGACTOR_DEVICE
#  define RINGACTOR_HOST_DEVICE
#  define RINGACTOR_INLINE inline __attribute__((always_inline))
#endif

// True while compiling device code (nvcc's device pass), false otherwise.
#if defined(__CUDA_ARCH__)
#  define RINGACTOR_DEVICE_PASS 1
#else
#  define RINGACTOR_DEVICE_PASS 0
#endif

namespace ringactor {

/// The memory orders of the device API: those of C++ (no consume).
enum class mem_order { relaxed, acquire, release, acq_rel, seq_cst };

/// Atomics and fences that work on host memory, device memory and pinned
/// host memory mapped into the device. On CUDA they have system scope (the
/// host and every device observe them); on the host they are std::atomic_ref
/// operations. Operands are plain integers (or pointers) in shared structs:
/// they are only ever accessed through these functions.
namespace dev {

namespace detail {

RINGACTOR_HOST_DEVICE constexpr std::memory_order to_std(mem_order mo) noexcept {
  switch (mo) {
    case mem_order::relaxed: return std::memory_order_relaxed;
    case mem_order::acquire: return std::memory_order_acquire;
    case mem_order::release: return std::memory_order_release;
    case mem_order::acq_rel: return std::memory_order_acq_rel;
    default: return std::memory_order_seq_cst;
  }
}

/// An order valid for a load (release parts dropped).
RINGACTOR_HOST_DEVICE constexpr mem_order load_order(mem_order mo) noexcept {
  return mo == mem_order::release   ? mem_order::relaxed
         : mo == mem_order::acq_rel ? mem_order::acquire
                                    : mo;
}

#if RINGACTOR_DEVICE_PASS
RINGACTOR_DEVICE constexpr cuda::std::memory_order to_cuda(mem_order mo) noexcept {
  switch (mo) {
    case mem_order::relaxed: return cuda::std::memory_order_relaxed;
    case mem_order::acquire: return cuda::std::memory_order_acquire;
    case mem_order::release: return cuda::std::memory_order_release;
    case mem_order::acq_rel: return cuda::std::memory_order_acq_rel;
    default: return cuda::std::memory_order_seq_cst;
  }
}

template <class T>
using system_atomic_ref = cuda::atomic_ref<T, cuda::thread_scope_system>;
#endif

template <class T>
inline constexpr bool atomic_operand = std::is_integral_v<T> || std::is_pointer_v<T>;

} // namespace detail

template <class T>
RINGACTOR_HOST_DEVICE RINGACTOR_INLINE T atomic_load(const T& x, mem_order mo) noexcept {
  static_assert(detail::atomic_operand<T>, "ringactor: atomics work on integers and pointers");
  auto& ref = const_cast<T&>(x); // atomic_ref<const T> arrives only in C++26
#if RINGACTOR_DEVICE_PASS
  return detail::system_atomic_ref<T>{ref}.load(detail::to_cuda(mo));
#else
  return std::atomic_ref<T>{ref}.load(detail::to_std(mo));
#endif
}

template <class T>
RINGACTOR_HOST_DEVICE RINGACTOR_INLINE void atomic_store(T& x, T value, mem_order mo) noexcept {
  static_assert(detail::atomic_operand<T>, "ringactor: atomics work on integers and pointers");
#if RINGACTOR_DEVICE_PASS
  detail::system_atomic_ref<T>{x}.store(value, detail::to_cuda(mo));
#else
  std::atomic_ref<T>{x}.store(value, detail::to_std(mo));
#endif
}

template <class T>
RINGACTOR_HOST_DEVICE RINGACTOR_INLINE T atomic_fetch_add(T& x, T value, mem_order mo) noexcept {
  static_assert(std::is_integral_v<T>, "ringactor: fetch_add works on integers");
#if RINGACTOR_DEVICE_PASS
  return detail::system_atomic_ref<T>{x}.fetch_add(value, detail::to_cuda(mo));
#else
  return std::atomic_ref<T>{x}.fetch_add(value, detail::to_std(mo));
#endif
}

template <class T>
RINGACTOR_HOST_DEVICE RINGACTOR_INLINE T atomic_exchange(T& x, T value, mem_order mo) noexcept {
  static_assert(detail::atomic_operand<T>, "ringactor: atomics work on integers and pointers");
#if RINGACTOR_DEVICE_PASS
  return detail::system_atomic_ref<T>{x}.exchange(value, detail::to_cuda(mo));
#else
  return std::atomic_ref<T>{x}.exchange(value, detail::to_std(mo));
#endif
}

/// Strong compare-and-swap; on failure `expected` holds the current value.
template <class T>
RINGACTOR_HOST_DEVICE RINGACTOR_INLINE bool atomic_compare_exchange(T& x, T& expected, T desired,
                                                                    mem_order mo) noexcept {
  static_assert(detail::atomic_operand<T>, "ringactor: atomics work on integers and pointers");
#if RINGACTOR_DEVICE_PASS
  return detail::system_atomic_ref<T>{x}.compare_exchange_strong(
    expected, desired, detail::to_cuda(mo), detail::to_cuda(detail::load_order(mo)));
#else
  return std::atomic_ref<T>{x}.compare_exchange_strong(expected, desired, detail::to_std(mo),
                                                       detail::to_std(detail::load_order(mo)));
#endif
}

/// A fence at system scope (CUDA: fence.sc/acq_rel.sys; host: a thread fence).
RINGACTOR_HOST_DEVICE RINGACTOR_INLINE void fence(mem_order mo) noexcept {
#if RINGACTOR_DEVICE_PASS
  cuda::atomic_thread_fence(detail::to_cuda(mo), cuda::thread_scope_system);
#else
  std::atomic_thread_fence(detail::to_std(mo));
#endif
}

/// A hint that the caller is spinning (host: the pause instruction; CUDA: a
/// short sleep of the warp so that it does not hog the issue slots).
RINGACTOR_HOST_DEVICE RINGACTOR_INLINE void pause() noexcept {
#if RINGACTOR_DEVICE_PASS
  __nanosleep(32);
#elif defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

/// Copies bytes between plain (non-atomic) buffers; usable in device code.
/// `src` may be null when `n` is 0 (an empty payload).
RINGACTOR_HOST_DEVICE RINGACTOR_INLINE void copy_bytes(void* dst, const void* src,
                                                       std::size_t n) noexcept {
  if (n == 0 || src == nullptr)
    return;
#if RINGACTOR_DEVICE_PASS
  memcpy(dst, src, n);
#else
  std::memcpy(dst, src, n);
#endif
}

} // namespace dev

} // namespace ringactor
