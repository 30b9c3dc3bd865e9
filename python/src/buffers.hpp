// ringactor Python module: device buffers from and to Python arrays
// (ringactor.DeviceBuffer). A NumPy array, anything with __dlpack__, or an
// object with the buffer protocol becomes a device buffer for kernels of the
// CPU backend without a copy: the buffer adopts the array's memory and keeps
// the array alive until the buffer is released (released, consumed by
// __dlpack__, or collected). A buffer goes back to Python through DLPack 0.6
// (__dlpack__, __dlpack_device__: np.from_dlpack reads it without a copy),
// which hands its memory to the consumer.
//
// Another extension (a test's, an application's) reaches the buffer of a
// Python DeviceBuffer with py::cast<py_device_buffer&> (pybind11 shares
// registered types between the extensions of a process) and builds its
// kernel message from handle<T>().
#pragma once

#include <cstdint>
#include <string>

#include <pybind11/pybind11.h>

#include <ringactor/error.hpp>
#include <ringactor/gpu/dlpack.hpp>

namespace ringactor::python {

namespace py = pybind11;

/// ringactor.DeviceBuffer: one device buffer's memory with its dtype, 1-D.
struct py_device_buffer {
  any_device_buffer buf;

  /// A handle of the memory for a kernel message; raises TypeError when T
  /// is not the buffer's dtype and ValueError when the buffer was released
  /// or consumed. The handle is unchecked (it does not see the buffer's
  /// release): keep the DeviceBuffer alive until the kernel answered.
  template <class T>
  device_buffer<T> handle() const {
    check_dtype(dlpack_dtype_of<T>());
    return device_buffer<T>{static_cast<T*>(buf.device_data()), buf.size(),
                            detail::unchecked_buffer, 0};
  }

  /// A buffer that views `n` elements of host memory at `data` without
  /// owning them (a device_buffer in a reply: inprocess_types.hpp). Inline,
  /// as check_dtype.
  static py_device_buffer view_of(const void* data, std::uint64_t n, DLDataType dtype) {
    auto* p = static_cast<std::byte*>(const_cast<void*>(data));
    return py_device_buffer{any_device_buffer{
      shared_region{p, p, static_cast<std::size_t>(n) * (dtype.bits / 8u), nullptr, nullptr}, n,
      dtype}};
  }

  /// Raises ValueError for a released buffer, TypeError when `want` is not
  /// its dtype. Inline: other extensions call it, and the extensions of a
  /// process do not see each other's symbols.
  void check_dtype(DLDataType want) const {
    if (!buf)
      throw py::value_error("ringactor.DeviceBuffer: the buffer was released or handed on");
    if (!any_device_buffer::same_dtype(buf.dtype(), want))
      throw py::type_error("ringactor.DeviceBuffer: the buffer holds "
                           + dlpack_dtype_name(buf.dtype()) + ", the kernel takes "
                           + dlpack_dtype_name(want));
  }
};

} // namespace ringactor::python
