// ringactor Python module: ringactor.DeviceBuffer (buffers.hpp).
//
// Both ways in end in from_dlpack_any on the CPU backend (no copy): an
// object's own __dlpack__ tensor, or a tensor this file describes over the
// object's buffer (PEP 3118). Either is wrapped in a tensor whose deleter
// takes the GIL before it lets the producer go, because the runtime may
// free the memory on any thread. What the kernel cannot take (the dtype,
// the rank, a non-contiguous layout, memory off the host) raises TypeError
// before anything is adopted.
#include "buffers.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include <pybind11/stl.h>

#include <ringactor/gpu/cuda_backend.hpp>

#include "bindings.hpp"
#include "errors.hpp"
#include "gil.hpp"

namespace ringactor::python {

namespace {

/// A producer's tensor (or a buffer view) behind the tensor this module
/// hands to from_dlpack_any.
struct held_tensor {
  DLManagedTensor outer{};
  DLManagedTensor* inner = nullptr; // the producer's tensor, or null for a view
  Py_buffer view{};                 // with inner null: the object's buffer
  std::vector<std::int64_t> shape;
  std::vector<std::int64_t> strides;
};

/// Lets the producer go (its deleter, or the buffer view) with the GIL
/// held; once the interpreter is closing, leaks it instead.
void release_held(held_tensor* h) {
  python_scope scope;
  if (!scope.entered())
    return; // the interpreter is going away, and the array with it
  gil_hold gil;
  if (h->inner != nullptr) {
    if (h->inner->deleter != nullptr)
      h->inner->deleter(h->inner);
  } else {
    PyBuffer_Release(&h->view);
  }
  delete h;
}

void outer_deleter(DLManagedTensor* t) {
  release_held(static_cast<held_tensor*>(t->manager_ctx));
}

/// The DLPack dtype of a struct format character of `itemsize` bytes.
std::optional<DLDataType> dtype_of_format(const char* format, Py_ssize_t itemsize) {
  if (format == nullptr)
    format = "B";
  if (*format == '@' || *format == '=' || *format == '<')
    ++format;
  if (format[0] == '\0' || format[1] != '\0')
    return std::nullopt;
  auto bits = static_cast<std::uint8_t>(8 * itemsize);
  switch (format[0]) {
    case 'f':
    case 'd': return DLDataType{static_cast<std::uint8_t>(kDLFloat), bits, 1};
    case 'b':
    case 'h':
    case 'i':
    case 'l':
    case 'q':
    case 'n': return DLDataType{static_cast<std::uint8_t>(kDLInt), bits, 1};
    case 'B':
    case 'H':
    case 'I':
    case 'L':
    case 'Q':
    case 'N': return DLDataType{static_cast<std::uint8_t>(kDLUInt), bits, 1};
    default: return std::nullopt;
  }
}

/// Why the kernel cannot take `t` (empty: it can): the rank, the dtype,
/// the layout, the device.
std::string refusal(const DLTensor& t, const std::optional<std::string>& dtype,
                    std::optional<int> ndim) {
  if (ndim && t.ndim != *ndim)
    return "the array has " + std::to_string(t.ndim) + " dimensions, the kernel takes "
           + std::to_string(*ndim);
  if (dtype && dlpack_dtype_name(t.dtype) != *dtype)
    return "the array's dtype is " + dlpack_dtype_name(t.dtype) + ", the kernel takes " + *dtype;
  if (t.device.device_type != kDLCPU && t.device.device_type != kDLCUDAHost)
    return "the array is not in host memory (DLPack device type "
           + std::to_string(static_cast<int>(t.device.device_type)) + ")";
  if (t.strides != nullptr) {
    std::int64_t expect = 1;
    for (int i = t.ndim - 1; i >= 0; --i) {
      if (t.shape[i] != 1 && t.strides[i] != expect)
        return "the array is not C-contiguous (make it so with numpy.ascontiguousarray)";
      expect *= t.shape[i];
    }
  }
  return {};
}

/// Where a buffer's memory goes: the CPU backend's (the array's own
/// memory), or a CUDA device's (one copy).
struct placement {
  kernel_backend backend = kernel_backend::cpu;
  int device = 0;
};

/// "cpu" (or None), "cuda" or "cuda:N"; RuntimeError when this process has
/// no such CUDA device (no backend compiled in, no driver, no device).
placement placement_of(const std::optional<std::string>& device) {
  if (!device || *device == "cpu")
    return {};
  std::string_view d{*device};
  if (d.substr(0, 4) != "cuda" || (d.size() > 4 && d[4] != ':'))
    throw py::value_error("ringactor.DeviceBuffer: device is 'cpu', 'cuda' or 'cuda:N', not '"
                          + *device + "'");
  int index = 0;
  if (d.size() > 5) {
    auto r = std::from_chars(d.data() + 5, d.data() + d.size(), index);
    if (r.ec != std::errc{} || r.ptr != d.data() + d.size() || index < 0)
      throw py::value_error("ringactor.DeviceBuffer: no device index in '" + *device + "'");
  }
  if (!cuda_backend_compiled())
    throw py::value_error("ringactor.DeviceBuffer: this process has no CUDA backend "
                          "(libringactor-cuda is not linked in): device '"
                          + *device + "' is not available");
  if (index >= cuda_device_count())
    throw py::value_error("ringactor.DeviceBuffer: CUDA device " + std::to_string(index)
                          + " is not available (" + std::to_string(cuda_device_count())
                          + " usable)");
  return {kernel_backend::cuda, index};
}

/// Adopts the held tensor `h` (the caller built it; from here on it is
/// owned by the buffer, or released on a refusal): without a copy on the
/// CPU backend, with one copy into device memory on CUDA (the array is let
/// go once the copy is done).
py_device_buffer adopt(held_tensor* h, const std::optional<std::string>& dtype,
                       std::optional<int> ndim, placement where = {}) {
  h->outer.manager_ctx = h;
  h->outer.deleter = outer_deleter;
  if (auto why = refusal(h->outer.dl_tensor, dtype, ndim); !why.empty()) {
    release_held(h);
    throw py::type_error("ringactor.DeviceBuffer: " + why);
  }
  h->outer.dl_tensor.device = DLDevice{kDLCPU, 0};
  std::optional<expected<any_device_buffer>> any;
  {
    // A CUDA copy may take a while; the tensor's deleter takes the GIL
    // itself (release_held) when it runs.
    std::optional<py::gil_scoped_release> nogil;
    if (where.backend == kernel_backend::cuda)
      nogil.emplace();
    // Takes the tensor in every case (its deleter runs on a refusal).
    any.emplace(from_dlpack_any(&h->outer, where.backend, where.device));
  }
  if (!*any)
    throw py::type_error("ringactor.DeviceBuffer: " + any->error().message());
  return py_device_buffer{std::move(**any)};
}

py_device_buffer from_dlpack_capsule(py::handle obj, const std::optional<std::string>& dtype,
                                     std::optional<int> ndim, placement where) {
  py::object capsule;
  try {
    capsule = obj.attr("__dlpack__")();
  } catch (py::error_already_set& e) {
    throw py::type_error("ringactor.DeviceBuffer: the object's __dlpack__ failed: "
                         + std::string{e.what()});
  }
  auto* tensor = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(capsule.ptr(), "dltensor"));
  if (tensor == nullptr) {
    PyErr_Clear();
    throw py::type_error("ringactor.DeviceBuffer: __dlpack__ did not return a 'dltensor' capsule");
  }
  // The protocol: a consumer renames the capsule, so that the capsule's
  // destructor leaves the tensor to it.
  PyCapsule_SetName(capsule.ptr(), "used_dltensor");
  auto* h = new held_tensor;
  h->inner = tensor;
  h->outer.dl_tensor = tensor->dl_tensor;
  return adopt(h, dtype, ndim, where);
}

py_device_buffer from_buffer(py::handle obj, const std::optional<std::string>& dtype,
                             std::optional<int> ndim, placement where) {
  auto* h = new held_tensor;
  if (PyObject_GetBuffer(obj.ptr(), &h->view, PyBUF_RECORDS) != 0) {
    delete h;
    PyErr_Clear();
    throw py::type_error("ringactor.DeviceBuffer: the object has no writable buffer (buffer "
                         "protocol) nor __dlpack__");
  }
  auto& v = h->view;
  auto dt = dtype_of_format(v.format, v.itemsize);
  if (!dt) {
    std::string fmt = v.format != nullptr ? v.format : "B";
    PyBuffer_Release(&v);
    delete h;
    throw py::type_error("ringactor.DeviceBuffer: the buffer's element format '" + fmt
                         + "' has no DLPack dtype");
  }
  auto& t = h->outer.dl_tensor;
  t.data = v.buf;
  t.device = DLDevice{kDLCPU, 0};
  t.ndim = v.ndim;
  t.dtype = *dt;
  for (int i = 0; i < v.ndim; ++i) {
    h->shape.push_back(v.shape[i]);
    if (v.strides[i] % v.itemsize != 0)
      h->strides.push_back(-1); // not a whole number of elements: refused as non-contiguous
    else
      h->strides.push_back(v.strides[i] / v.itemsize);
  }
  t.shape = h->shape.data();
  t.strides = h->strides.data();
  return adopt(h, dtype, ndim, where);
}

py_device_buffer from_array(py::handle obj, std::optional<std::string> dtype,
                            std::optional<int> ndim, std::optional<std::string> device) {
  auto where = placement_of(device); // before anything is adopted
  if (py::hasattr(obj, "__dlpack__"))
    return from_dlpack_capsule(obj, dtype, ndim, where);
  return from_buffer(obj, dtype, ndim, where);
}

/// A copy of `self`'s elements in host memory (one device-to-host copy for
/// a CUDA buffer; a plain copy of host memory).
py_device_buffer to_host(const py_device_buffer& self) {
  if (!self.buf)
    throw py::value_error("ringactor.DeviceBuffer: the buffer was released or handed on");
  auto bytes = static_cast<std::size_t>(self.buf.size()) * self.buf.element_size();
  auto memory = shared_region::allocate_host(std::max<std::size_t>(bytes, 1));
  if (bytes > 0) {
    py::gil_scoped_release nogil;
    if (self.buf.host_visible())
      std::memcpy(memory.host(), self.buf.host_data(), bytes);
    else
      copy_device_to_host(memory.host(), static_cast<const std::byte*>(self.buf.device_data()),
                          bytes);
  }
  return py_device_buffer{any_device_buffer{std::move(memory), self.buf.size(), self.buf.dtype()}};
}

void capsule_destructor(PyObject* capsule) {
  // A capsule nobody consumed still owns its tensor.
  if (PyCapsule_IsValid(capsule, "dltensor") == 0)
    return;
  auto* t = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(capsule, "dltensor"));
  if (t != nullptr && t->deleter != nullptr)
    t->deleter(t);
}

} // namespace

void bind_buffers(py::module_& m) {
  py::class_<py_device_buffer>(m, "DeviceBuffer",
                               "A device buffer for kernels (CPU backend: the array's own memory).")
    .def_static("from_array", &from_array, py::arg("array"), py::arg("dtype") = py::none(),
                py::arg("ndim") = py::none(), py::arg("device") = py::none(),
                "Adopts `array` (__dlpack__, else the buffer protocol) without a copy, or with "
                "device='cuda[:N]' copies it once into that device's memory; TypeError for a "
                "dtype, rank or layout the kernel cannot take, ValueError for a device this "
                "process does not have.")
    .def("to_host", &to_host,
         "A copy of the elements in host memory, as a new DeviceBuffer (for a CUDA buffer: one "
         "copy back from the device; np.from_dlpack reads the result).")
    .def(
      "__dlpack__",
      [](py_device_buffer& self, py::object stream) {
        if (!stream.is_none())
          throw py::type_error("ringactor.DeviceBuffer: host memory takes no stream");
        if (!self.buf)
          throw py::buffer_error("ringactor.DeviceBuffer: the buffer was released or handed on");
        if (!self.buf.host_visible())
          throw py::buffer_error("ringactor.DeviceBuffer: the buffer is in CUDA device memory, "
                                 "which NumPy cannot read: copy it back with buf.to_host() "
                                 "(one copy), then np.from_dlpack that");
        DLManagedTensor* t = to_dlpack(std::move(self.buf));
        return py::reinterpret_steal<py::object>(PyCapsule_New(t, "dltensor", capsule_destructor));
      },
      py::arg("stream") = py::none(),
      "Hands the memory to a DLPack consumer (np.from_dlpack), without a copy; the buffer is "
      "empty afterwards.")
    .def("__dlpack_device__",
         [](const py_device_buffer& self) {
           if (self.buf && !self.buf.host_visible())
             return py::make_tuple(static_cast<int>(kDLCUDA), self.buf.device());
           return py::make_tuple(static_cast<int>(kDLCPU), 0);
         })
    .def(
      "release", [](py_device_buffer& self) { self.buf = any_device_buffer{}; },
      "Frees the memory now (lets the array go); handles in kernels are dead from then on.")
    .def_property_readonly("size", [](const py_device_buffer& self) { return self.buf.size(); })
    .def_property_readonly("dtype",
                           [](const py_device_buffer& self) -> py::object {
                             if (!self.buf)
                               return py::none();
                             return py::str(dlpack_dtype_name(self.buf.dtype()));
                           })
    .def_property_readonly("released", [](const py_device_buffer& self) { return !self.buf; })
    .def_property_readonly(
      "data_ptr",
      [](const py_device_buffer& self) {
        return reinterpret_cast<std::uintptr_t>(self.buf.host_data());
      },
      "The host address of the elements (0: none).");
}

} // namespace ringactor::python
