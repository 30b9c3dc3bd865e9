// ringactor: device buffers in and out of DLPack 0.6 (dlpack.hpp).
#include "ringactor/gpu/dlpack.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <memory>

#include <fmt/format.h>

#include "ringactor/gpu/cuda_backend.hpp"

namespace ringactor {

namespace {

/// Calls the tensor's deleter once, on every path out of from_dlpack_any
/// that does not hand the tensor to a region.
struct tensor_guard {
  DLManagedTensor* tensor;
  ~tensor_guard() {
    if (tensor != nullptr && tensor->deleter != nullptr)
      tensor->deleter(tensor);
  }
};

error refuse(std::string what) {
  return error{sec::invalid_argument, "from_dlpack: " + std::move(what)};
}

const char* device_type_name(DLDeviceType t) {
  switch (t) {
    case kDLCPU: return "kDLCPU";
    case kDLCUDA: return "kDLCUDA";
    case kDLCUDAHost: return "kDLCUDAHost";
    case kDLCUDAManaged: return "kDLCUDAManaged";
    case kDLROCM: return "kDLROCM";
    default: return "another device type";
  }
}

/// The region's release: the adopted tensor's deleter.
void release_tensor(void* context, std::byte*) noexcept {
  auto* tensor = static_cast<DLManagedTensor*>(context);
  if (tensor->deleter != nullptr)
    tensor->deleter(tensor);
}

/// What to_dlpack's tensor owns: the memory and the shape it points to.
struct exported_tensor {
  DLManagedTensor tensor{};
  std::array<std::int64_t, 1> shape{};
  std::array<std::int64_t, 1> strides{1};
  shared_region memory;
};

void delete_exported(DLManagedTensor* self) {
  std::unique_ptr<exported_tensor> owned{static_cast<exported_tensor*>(self->manager_ctx)};
}

} // namespace

std::string dlpack_dtype_name(DLDataType dtype) {
  const char* code = dtype.code == kDLFloat  ? "float"
                     : dtype.code == kDLInt  ? "int"
                     : dtype.code == kDLUInt ? "uint"
                                             : nullptr;
  if (code == nullptr || dtype.lanes != 1)
    return fmt::format("dtype(code {}, bits {}, lanes {})", dtype.code, dtype.bits, dtype.lanes);
  return fmt::format("{}{}", code, dtype.bits);
}

error any_device_buffer::dtype_mismatch(DLDataType have, DLDataType want) {
  return error{sec::invalid_argument,
               fmt::format("device buffer: its dtype is {}, not {}", dlpack_dtype_name(have),
                           dlpack_dtype_name(want))};
}

expected<any_device_buffer> from_dlpack_any(DLManagedTensor* tensor, kernel_backend backend,
                                            int device) {
  if (tensor == nullptr)
    return refuse("the tensor is null");
  tensor_guard guard{tensor};
  const DLTensor& t = tensor->dl_tensor;
  // The dtype: one lane of whole bytes (what a device_buffer element is).
  if (t.dtype.lanes != 1 || t.dtype.bits == 0 || t.dtype.bits % 8 != 0)
    return refuse(fmt::format("the dtype {} is not one lane of whole bytes",
                              dlpack_dtype_name(t.dtype)));
  if (t.dtype.code != kDLFloat && t.dtype.code != kDLInt && t.dtype.code != kDLUInt)
    return refuse(fmt::format("the dtype {} is not an integer or floating-point type",
                              dlpack_dtype_name(t.dtype)));
  std::size_t element = t.dtype.bits / 8u;
  // The shape: its element count, and the strides of a compact row-major
  // layout (the only one a device_buffer, a flat array, can be).
  if (t.ndim < 0 || (t.ndim > 0 && t.shape == nullptr))
    return refuse(fmt::format("the shape is invalid (ndim {})", t.ndim));
  std::uint64_t count = 1;
  for (int i = 0; i < t.ndim; ++i) {
    if (t.shape[i] < 0)
      return refuse(fmt::format("extent {} of dimension {} is negative", t.shape[i], i));
    auto extent = static_cast<std::uint64_t>(t.shape[i]);
    if (extent != 0 && count > std::numeric_limits<std::size_t>::max() / element / extent)
      return refuse("the tensor is larger than memory can address");
    count *= extent;
  }
  if (t.strides != nullptr) {
    std::int64_t expected_stride = 1;
    for (int i = t.ndim - 1; i >= 0; --i) {
      if (t.shape[i] != 1 && t.strides[i] != expected_stride)
        return refuse(fmt::format("the tensor is not compact row-major: dimension {} has "
                                  "stride {} where {} was expected (a strided view needs a "
                                  "copy: np.ascontiguousarray)",
                                  i, t.strides[i], expected_stride));
      expected_stride *= t.shape[i];
    }
  }
  // The address: data + byte_offset, whole elements in, aligned, no wrap.
  auto base = reinterpret_cast<std::uintptr_t>(t.data);
  if (t.data == nullptr && count > 0)
    return refuse("the data pointer is null");
  if (t.byte_offset > std::numeric_limits<std::uintptr_t>::max() - base)
    return refuse(fmt::format("byte_offset {} wraps around the address space (a negative "
                              "offset?)",
                              t.byte_offset));
  if (t.byte_offset % element != 0)
    return refuse(fmt::format("byte_offset {} is not a multiple of the element size {}",
                              t.byte_offset, element));
  auto address = base + t.byte_offset;
  if (address % element != 0)
    return refuse(fmt::format("the data address {:#x} is not aligned to its element ({} bytes)",
                              address, element));
  auto* bytes = reinterpret_cast<std::byte*>(address);
  auto size = static_cast<std::size_t>(count) * element;
  // The device: memory the backend's kernels can use.
  if (backend == kernel_backend::automatic)
    backend = cuda_backend_compiled() && cuda_device_count() > 0 ? kernel_backend::cuda
                                                                 : kernel_backend::cpu;
  auto device_type = static_cast<DLDeviceType>(t.device.device_type);
  if (backend == kernel_backend::cuda) {
    if (device_type == kDLCPU) {
      // One copy into device memory; the tensor is not needed after it.
      auto region = allocate_device(std::max<std::size_t>(size, 1), device);
      if (size > 0)
        copy_host_to_device(region.device(), bytes, size);
      return any_device_buffer{std::move(region), count, t.dtype, device};
    }
    if (device_type == kDLCUDA && t.device.device_id == device) {
      if (bytes == nullptr) // empty, without memory: the guard calls the deleter
        return any_device_buffer{shared_region{}, 0, t.dtype, device};
      guard.tensor = nullptr; // the region calls the deleter from now on
      return any_device_buffer{shared_region{nullptr, bytes, size, &release_tensor, tensor}, count,
                               t.dtype, device};
    }
    return refuse(fmt::format("the tensor is on {} {}; kernels on CUDA device {} take kDLCPU "
                              "or kDLCUDA {} memory",
                              device_type_name(device_type), t.device.device_id, device, device));
  }
  if (device_type != kDLCPU)
    return refuse(fmt::format("the tensor is on {} {}; kernels on the CPU backend take kDLCPU "
                              "memory",
                              device_type_name(device_type), t.device.device_id));
  if (bytes == nullptr) {
    // An empty tensor without memory: an empty buffer that owns nothing.
    return any_device_buffer{shared_region{}, 0, t.dtype};
  }
  guard.tensor = nullptr; // the region calls the deleter from now on
  return any_device_buffer{shared_region{bytes, bytes, size, &release_tensor, tensor}, count,
                           t.dtype};
}

DLManagedTensor* to_dlpack(any_device_buffer&& buffer) {
  if (!buffer)
    return nullptr;
  auto out = std::make_unique<exported_tensor>();
  auto host = buffer.host_visible();
  auto dtype = buffer.dtype();
  auto device = buffer.device();
  out->shape[0] = static_cast<std::int64_t>(buffer.size());
  out->memory = buffer.take_memory();
  DLTensor& t = out->tensor.dl_tensor;
  t.data = host ? static_cast<void*>(out->memory.host()) : static_cast<void*>(out->memory.device());
  t.device = host ? DLDevice{kDLCPU, 0} : DLDevice{kDLCUDA, device};
  t.ndim = 1;
  t.dtype = dtype;
  t.shape = out->shape.data();
  t.strides = out->strides.data();
  t.byte_offset = 0;
  out->tensor.manager_ctx = out.get();
  out->tensor.deleter = &delete_exported;
  return &out.release()->tensor;
}

} // namespace ringactor
