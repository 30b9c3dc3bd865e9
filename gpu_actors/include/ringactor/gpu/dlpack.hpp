// ringactor: device buffers in and out of DLPack 0.6 (dlpack/dlpack.h, Debian
// libdlpack-dev), the exchange format of NumPy (np.from_dlpack), PyTorch and
// CuPy. Only in a build that found the header (RINGACTOR_HAS_DLPACK).
//
//   // in: a producer's tensor (a NumPy array's __dlpack__()), no copy on the CPU backend
//   auto owner = from_dlpack<float>(tensor, kernel_backend::cpu);
//   if (!owner) /* owner.error() says what is wrong; the tensor was freed */;
//   self->request(k, 1s, scale{owner->handle(), 2.0f}).receive(...);
//   // out: a tensor for np.from_dlpack, over the same memory
//   DLManagedTensor* out = to_dlpack(std::move(*owner));
//
// Ownership: from_dlpack takes the tensor in every case. On success the
// owner calls its deleter once it frees the memory (on the CPU backend; on
// CUDA, a host tensor is copied to device memory and its deleter runs at
// once); on a refusal the deleter has run before from_dlpack returns.
// to_dlpack hands the memory to the tensor it returns, whose deleter frees
// it: every device_buffer handle of the owner is dead from then on.
//
// What from_dlpack takes: a tensor of any rank whose elements are compact
// row-major (strides null, or each stride the product of the later extents;
// a dimension of extent 1 may have any stride), whose data plus byte_offset
// is aligned to the element and does not wrap around, whose dtype has one
// lane and a whole number of bytes, and whose memory the backend can use:
// kDLCPU on the CPU backend; kDLCPU (copied once) or kDLCUDA of the kernels'
// device (adopted) on CUDA. The buffer is the tensor's elements in order,
// flattened to one dimension. to_dlpack makes a 1-D tensor: kDLCPU for host
// memory, kDLCUDA with the device id for device memory.
//
// Types: Python learns the dtype at run time, so the format's side is
// type-erased: any_device_buffer holds the memory with its DLPack dtype and
// becomes a typed owner with as<T>() (which checks the dtype); the typed
// from_dlpack<T> is from_dlpack_any followed by as<T>. dlpack_dtype_of<T>
// knows the arithmetic types (float, double, the fixed-width integers).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>

#include <dlpack/dlpack.h>

#include <ringactor/error.hpp>
#include <ringactor/expected.hpp>

#include "ringactor/gpu/device_buffer.hpp"

namespace ringactor {

// -- dtypes --------------------------------------------------------------------

/// Whether T has a DLPack dtype (dlpack_dtype_of).
template <class T>
inline constexpr bool has_dlpack_dtype = (std::is_integral_v<T> && !std::is_same_v<T, bool>)
                                         || std::is_same_v<T, float> || std::is_same_v<T, double>;

/// The DLPack dtype of T: kDLFloat for float and double, kDLInt / kDLUInt
/// for the integers; bits are 8 * sizeof(T), one lane.
template <class T>
constexpr DLDataType dlpack_dtype_of() noexcept {
  static_assert(has_dlpack_dtype<T>,
                "ringactor: this element type has no DLPack dtype (use float, double or a "
                "fixed-width integer)");
  auto code = std::is_floating_point_v<T> ? kDLFloat : std::is_signed_v<T> ? kDLInt : kDLUInt;
  return DLDataType{static_cast<std::uint8_t>(code), static_cast<std::uint8_t>(8 * sizeof(T)), 1};
}

/// "float32", "int64", ... or "dtype(code 5, bits 64, lanes 1)".
std::string dlpack_dtype_name(DLDataType dtype);

// -- a buffer whose element type is known at run time --------------------------

/// The memory of a device buffer with its DLPack dtype: what from_dlpack_any
/// returns and to_dlpack takes. Move-only; frees the memory (the adopted
/// tensor's deleter) when destroyed.
class any_device_buffer {
public:
  any_device_buffer() noexcept = default;
  any_device_buffer(shared_region memory, std::uint64_t size, DLDataType dtype,
                    int device = 0) noexcept
    : memory_(std::move(memory)), size_(size), dtype_(dtype), device_(device) {}

  /// A typed owner's memory (its handles die, as with take_memory()).
  template <class T>
  explicit any_device_buffer(device_buffer_owner<T>&& owner) noexcept
    : size_(owner.size()), dtype_(dlpack_dtype_of<T>()), device_(owner.device()) {
    memory_ = owner.take_memory();
  }

  DLDataType dtype() const noexcept { return dtype_; }
  /// Bytes per element.
  std::size_t element_size() const noexcept { return dtype_.bits / 8u; }
  /// Elements.
  std::uint64_t size() const noexcept { return size_; }
  /// The elements at the host's address; null for device memory.
  void* host_data() const noexcept { return memory_.host(); }
  /// The elements at the kernels' address.
  void* device_data() const noexcept { return memory_.device(); }
  bool host_visible() const noexcept { return memory_.host() != nullptr; }
  int device() const noexcept { return device_; }
  explicit operator bool() const noexcept { return static_cast<bool>(memory_); }

  /// The typed owner of this memory, without a copy; an error
  /// (sec::invalid_argument naming both dtypes) when T is not the dtype,
  /// and then this buffer keeps its memory.
  template <class T>
  expected<device_buffer_owner<T>> as() && {
    if (!same_dtype(dtype_, dlpack_dtype_of<T>()))
      return dtype_mismatch(dtype_, dlpack_dtype_of<T>());
    auto n = size_;
    size_ = 0;
    return device_buffer_owner<T>{std::move(memory_), n, device_};
  }

  /// Gives up the memory without freeing it (to_dlpack).
  shared_region take_memory() noexcept {
    size_ = 0;
    return std::move(memory_);
  }

  static bool same_dtype(DLDataType x, DLDataType y) noexcept {
    return x.code == y.code && x.bits == y.bits && x.lanes == y.lanes;
  }

private:
  static error dtype_mismatch(DLDataType have, DLDataType want);

  shared_region memory_;
  std::uint64_t size_ = 0;
  DLDataType dtype_{static_cast<std::uint8_t>(kDLUInt), 8, 1};
  int device_ = 0;
};

// -- in and out ------------------------------------------------------------------

/// Adopts `tensor` (see the top of this file) for kernels of `backend`
/// (automatic as allocate_device_buffer) on CUDA device `device`. A refusal
/// is sec::invalid_argument with what is wrong (a null tensor, the dtype,
/// the strides, the device, the byte offset, the alignment); the tensor's
/// deleter has run by then, exactly once. Never throws for a bad tensor;
/// std::bad_alloc and cuda_error (after the deleter ran) as allocation does.
expected<any_device_buffer> from_dlpack_any(DLManagedTensor* tensor,
                                            kernel_backend backend = kernel_backend::cpu,
                                            int device = 0);

/// from_dlpack_any, typed: also refuses a tensor whose dtype is not T's.
template <class T>
expected<device_buffer_owner<T>>
from_dlpack(DLManagedTensor* tensor, kernel_backend backend = kernel_backend::cpu, int device = 0) {
  if (tensor != nullptr
      && !any_device_buffer::same_dtype(tensor->dl_tensor.dtype, dlpack_dtype_of<T>())) {
    auto why = error{sec::invalid_argument, "from_dlpack: the tensor's dtype is "
                                              + dlpack_dtype_name(tensor->dl_tensor.dtype)
                                              + ", the buffer's elements are "
                                              + dlpack_dtype_name(dlpack_dtype_of<T>())};
    if (tensor->deleter != nullptr)
      tensor->deleter(tensor);
    return why;
  }
  auto any = from_dlpack_any(tensor, backend, device);
  if (!any)
    return any.error();
  return std::move(*any).template as<T>();
}

/// A 1-D tensor over `buffer`'s memory (no copy), which it owns from now
/// on: its deleter frees the memory. Null for an empty `buffer` (one with
/// no memory). Throws std::bad_alloc.
DLManagedTensor* to_dlpack(any_device_buffer&& buffer);

/// to_dlpack of a typed owner (whose handles die).
template <class T>
DLManagedTensor* to_dlpack(device_buffer_owner<T>&& owner) {
  return to_dlpack(any_device_buffer{std::move(owner)});
}

} // namespace ringactor
