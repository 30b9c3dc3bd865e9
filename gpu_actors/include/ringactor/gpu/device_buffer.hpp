// ringactor: large data by reference. A device_buffer<T> is a trivially
// copyable handle (pointer, size, registry slot, generation) that fits in a
// message; the memory behind it belongs to a device_buffer_owner<T>.
//
//   auto owner = allocate_device_buffer<float>(sys, 1'000'000);
//   owner.copy_from_host(input.data(), input.size());
//   self->request(k, 1s, scale{owner.handle(), 2.0f}).receive(...);
//   // the kernel's handler writes m.buf[i]; then
//   owner.copy_to_host(output.data(), output.size());
//
// Memory that someone else allocated (a NumPy array, a DLPack tensor:
// dlpack.hpp) is adopted instead of copied on the CPU backend:
//
//   auto owner = device_buffer_owner<float>::adopt_host(kernel_backend::cpu, p, n,
//                                                       [keep] { /* drop keep */ });
//   // owner.host_data() == p: the kernel works on the caller's memory
//
// Lifetime rules:
// - The owner frees the memory when it is destroyed or release()d. Every
//   handle copied from it is dead from then on, including handles still in
//   messages or kernel state: keep the owner alive until every request that
//   names the buffer was answered (its reply means the kernel is done with
//   it).
// - The host must not touch the data while a kernel works on it; a reply
//   (or a kernel's message) orders the kernel's writes before the host's
//   reads.
// - Memory: plain 64-byte aligned host memory on the CPU backend, where
//   host_data() reaches it directly; device memory on CUDA
//   (allocate_device(): cudaMallocFromPoolAsync from the device's own pool
//   on a non-blocking stream, zeroed by copies; cudaMalloc only on a device
//   without memory pools), where host_data() is null and the host copies in
//   and out with copy_from_host() / copy_to_host() (cudaMemcpyAsync on that
//   stream, then a synchronization of that stream only: they return once
//   the copy is done and never wait for a running kernel). Those two
//   work on both backends, so code written with them runs on either. A
//   buffer must be used by kernels of the backend it was allocated for.
//
// Use after release: release bumps the slot's generation in a process-wide
// registry; live() compares the handle's generation with it (on the host;
// device code cannot see the registry and assumes live). In debug builds
// (NDEBUG unset) data() and operator[] check on the host: a dead handle is
// logged, counted (released_buffer_uses()) and yields a null pointer, so
// that an access faults at once instead of reading freed memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "ringactor/gpu/channel.hpp"
#include "ringactor/gpu/device.hpp"
#include "ringactor/gpu/kernel_config.hpp"

namespace ringactor {

class actor_system;

namespace detail {

/// Registry slots: handles of buffers beyond this many live ones are unchecked.
inline constexpr std::uint32_t buffer_registry_size = 4096;
inline constexpr std::uint32_t unchecked_buffer = 0xffffffffu;

/// The current generation of registry slot `slot` (host only).
std::uint32_t buffer_generation(std::uint32_t slot) noexcept;
/// Logs and counts a use of a dead handle (host only).
void report_released_buffer_use(std::uint32_t slot, std::uint32_t generation) noexcept;

/// A registry slot and its generation for a new buffer.
std::pair<std::uint32_t, std::uint32_t> acquire_buffer_slot() noexcept;
/// Kills every handle of the buffer in `slot`.
void release_buffer_slot(std::uint32_t slot) noexcept;

/// A byte range of a buffer's memory.
struct buffer_bytes {
  std::size_t offset;
  std::size_t size;
};

/// Copies into / out of a buffer's memory: memcpy when host-visible, else
/// a CUDA copy.
void copy_buffer_in(const shared_region& memory, buffer_bytes range, const void* src);
void copy_buffer_out(const shared_region& memory, buffer_bytes range, void* dst);

[[noreturn]] void throw_buffer_range(std::uint64_t offset, std::uint64_t n, std::uint64_t size);

/// `bytes` at `data` (aligned to `align`) for kernels of `backend`: the
/// caller's memory itself on the CPU backend (`release` runs when the
/// region is freed), a copy in device memory on CUDA (`release` runs once
/// the copy is done). `release` runs exactly once, also when this throws
/// (std::invalid_argument for a null or misaligned pointer, cuda_error).
shared_region adopt_host_memory(kernel_backend backend, int device, std::byte* data,
                                std::size_t bytes, std::size_t align,
                                std::function<void()> release);

} // namespace detail

/// Uses of dead device_buffer handles detected so far (debug builds).
std::uint64_t released_buffer_uses() noexcept;

template <class T>
class device_buffer {
public:
  static_assert(std::is_trivially_copyable_v<T>,
                "ringactor: a device_buffer holds trivially copyable elements");

  device_buffer() noexcept = default;
  device_buffer(T* data, std::uint64_t size, std::uint32_t slot, std::uint32_t generation) noexcept
    : data_(data), size_(size), slot_(slot), generation_(generation) {}

  /// Whether the owner still holds the memory (always true in device code
  /// and for unchecked handles).
  RINGACTOR_HOST_DEVICE bool live() const noexcept {
#if RINGACTOR_DEVICE_PASS
    return true;
#else
    return slot_ == detail::unchecked_buffer
           || (data_ != nullptr && detail::buffer_generation(slot_) == generation_);
#endif
  }

  /// The elements; null for a dead handle in a debug build on the host.
  RINGACTOR_HOST_DEVICE T* data() const noexcept {
#if !defined(NDEBUG) && !RINGACTOR_DEVICE_PASS
    if (!live()) {
      detail::report_released_buffer_use(slot_, generation_);
      return nullptr;
    }
#endif
    return data_;
  }

  RINGACTOR_HOST_DEVICE std::uint64_t size() const noexcept { return size_; }
  RINGACTOR_HOST_DEVICE T& operator[](std::uint64_t i) const noexcept { return data()[i]; }

private:
  T* data_ = nullptr;
  std::uint64_t size_ = 0;
  std::uint32_t slot_ = detail::unchecked_buffer;
  std::uint32_t generation_ = 0;
};

/// Owns the memory of a device_buffer (move-only, RAII).
template <class T>
class device_buffer_owner {
public:
  device_buffer_owner() noexcept = default;
  /// Owns `memory`, which holds `size` elements (on CUDA device `device`
  /// when it is device memory).
  device_buffer_owner(shared_region memory, std::uint64_t size, int device = 0)
    : memory_(std::move(memory)), size_(size), device_(device) {
    auto [slot, gen] = detail::acquire_buffer_slot();
    slot_ = slot;
    generation_ = gen;
  }
  device_buffer_owner(device_buffer_owner&& other) noexcept
    : memory_(std::move(other.memory_)),
      size_(std::exchange(other.size_, 0)),
      slot_(std::exchange(other.slot_, detail::unchecked_buffer)),
      generation_(other.generation_),
      device_(other.device_) {}
  device_buffer_owner& operator=(device_buffer_owner&& other) noexcept {
    if (this != &other) {
      release();
      memory_ = std::move(other.memory_);
      size_ = std::exchange(other.size_, 0);
      slot_ = std::exchange(other.slot_, detail::unchecked_buffer);
      generation_ = other.generation_;
      device_ = other.device_;
    }
    return *this;
  }
  ~device_buffer_owner() { release(); }

  /// Adopts `n` elements at `data`, which the caller allocated, for kernels
  /// of `backend` (automatic: cuda when this build has it and a device
  /// exists, else cpu). On the CPU backend there is no copy: handles and
  /// host_data() point at `data`, and `release` runs once the owner frees
  /// the memory (release() or destruction); until then `data` must stay
  /// valid. On CUDA, device `device`'s memory is allocated and `data` copied
  /// in (one copy); `release` runs as soon as the copy is done. Either way
  /// `release` runs exactly once, also when this throws:
  /// std::invalid_argument for a null or misaligned `data`, std::length_error
  /// past what memory can address, cuda_error.
  static device_buffer_owner adopt_host(kernel_backend backend, T* data, std::uint64_t n,
                                        std::function<void()> release, int device = 0) {
    if (n > std::numeric_limits<std::size_t>::max() / sizeof(T)) {
      if (release)
        release();
      throw std::length_error("ringactor: a device_buffer of " + std::to_string(n)
                              + " elements is larger than memory can address");
    }
    return device_buffer_owner{detail::adopt_host_memory(backend, device,
                                                         reinterpret_cast<std::byte*>(data),
                                                         static_cast<std::size_t>(n) * sizeof(T),
                                                         alignof(T), std::move(release)),
                               n, device};
  }

  /// A handle for messages and kernel state (the device's address).
  device_buffer<T> handle() const noexcept {
    return {reinterpret_cast<T*>(memory_.device()), size_, slot_, generation_};
  }
  /// The elements at the host's address; null for device memory (CUDA):
  /// use copy_from_host() and copy_to_host() there.
  T* host_data() const noexcept { return reinterpret_cast<T*>(memory_.host()); }
  /// Whether host_data() reaches the elements.
  bool host_visible() const noexcept { return memory_.host() != nullptr; }
  std::uint64_t size() const noexcept { return size_; }
  /// The CUDA device of device memory (0 for host memory).
  int device() const noexcept { return device_; }

  /// Gives up the memory without freeing it: the caller (any_device_buffer,
  /// to_dlpack) owns it from now on. Every handle is dead, as after
  /// release().
  shared_region take_memory() noexcept {
    if (slot_ != detail::unchecked_buffer)
      detail::release_buffer_slot(slot_);
    slot_ = detail::unchecked_buffer;
    size_ = 0;
    return std::move(memory_);
  }

  /// Copies `n` elements from `src` to elements [offset, offset + n).
  /// Throws std::out_of_range past the end or on a released buffer, and
  /// cuda_error when a CUDA copy fails. Do not call it while a kernel
  /// works on the buffer.
  void copy_from_host(const T* src, std::uint64_t n, std::uint64_t offset = 0) const {
    detail::copy_buffer_in(memory_, byte_range(n, offset), src);
  }

  /// Copies elements [offset, offset + n) to `dst` (see copy_from_host).
  void copy_to_host(T* dst, std::uint64_t n, std::uint64_t offset = 0) const {
    detail::copy_buffer_out(memory_, byte_range(n, offset), dst);
  }

  /// Frees the memory; every handle is dead from now on.
  void release() noexcept {
    if (!memory_)
      return;
    if (slot_ != detail::unchecked_buffer)
      detail::release_buffer_slot(slot_);
    slot_ = detail::unchecked_buffer;
    memory_ = shared_region{};
    size_ = 0;
  }

private:
  detail::buffer_bytes byte_range(std::uint64_t n, std::uint64_t offset) const {
    if (!memory_ || offset > size_ || n > size_ - offset)
      detail::throw_buffer_range(offset, n, size_);
    return {offset * sizeof(T), n * sizeof(T)};
  }

  shared_region memory_;
  std::uint64_t size_ = 0;
  std::uint32_t slot_ = detail::unchecked_buffer;
  std::uint32_t generation_ = 0;
  int device_ = 0;
};

namespace detail {
/// Zeroed memory for a buffer of `bytes` on `backend` (cpu, or cuda device
/// `device`).
shared_region allocate_buffer_memory(kernel_backend backend, int device, std::size_t bytes);
} // namespace detail

/// Allocates `n` zeroed elements for kernels of `backend` (automatic: cuda
/// when this build has it and a device exists, else cpu) on CUDA device
/// `device` (kernel_config::device of the kernels that use it). Throws
/// std::length_error when n elements exceed what a size_t can count in
/// bytes, std::bad_alloc when host memory, cuda_error when CUDA memory
/// cannot be had.
template <class T>
device_buffer_owner<T> allocate_device_buffer(actor_system&, std::uint64_t n,
                                              kernel_backend backend = kernel_backend::automatic,
                                              int device = 0) {
  // n * sizeof(T) must not wrap around to a small allocation behind a
  // handle that claims n elements.
  if (n > std::numeric_limits<std::size_t>::max() / sizeof(T))
    throw std::length_error("ringactor: a device_buffer of " + std::to_string(n)
                            + " elements is larger than memory can address");
  return device_buffer_owner<T>{
    detail::allocate_buffer_memory(backend, device, static_cast<std::size_t>(n) * sizeof(T)), n,
    device};
}

} // namespace ringactor
