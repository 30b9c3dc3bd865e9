// ringactor Python module: message types that only ever travel inside the
// process, such as a kernel's request with a device_buffer field. They
// appear in ringactor.types like the registry's types, but they have no
// wire form at all: a device_buffer is an address, and no codec that the
// network edge reaches (the service's JSON, a remote node's binary form)
// may ever accept one from outside. So such a type is not described with
// inspect(); an extension describes it to Python with member pointers, and
// its values convert field by field, in the process, between Python
// objects and the C++ struct:
//
//   struct scale { device_buffer<float> buf; float factor; };   // a kernel's request
//   ringactor::python::add_inprocess_type<scale>("kernels.scale",         // GIL held
//                                                python::member("buf", &scale::buf),
//                                                python::member("factor", &scale::factor));
//
//   # Python: a NumPy array in the field becomes a DeviceBuffer (no copy on
//   # the CPU backend; TypeError for another dtype or layout, before sending)
//   k.request(ra.types.kernels.scale(buf=frame, factor=2.0))
//
// Field types: bool, the integers, float, double, std::string, and
// device_buffer<T> of a DLPack dtype (Python: a ra.DeviceBuffer, or anything
// ra.to_device_buffer takes, converted when the object is made). A
// device_buffer that comes back (a reply's field) is a ra.DeviceBuffer that
// views the memory without owning it: whoever owns the buffer (the request's
// DeviceBuffer, a C++ device_buffer_owner) must keep it while Python reads.
// A handle does not say where its memory is: the view takes it for host
// memory, which holds for the CPU backend's buffers only. A kernel of the
// CUDA backend should answer with what it computed, not with a handle, and
// Python reads a CUDA buffer through the request's DeviceBuffer
// (copy_to_host, buffers.hpp).
//
// Extensions reach the table in _ringactor through its capsule (as
// pool_factories.hpp does): Python loads extensions with RTLD_LOCAL.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include <pybind11/pybind11.h>

#include <ringactor/gpu/device_buffer.hpp>
#include <ringactor/mailbox_element.hpp>
#include <ringactor/schema.hpp>
#include <ringactor/type_id.hpp>

// device_buffer fields convert where DLPack's header is (ringactor.DeviceBuffer).
#if __has_include(<dlpack/dlpack.h>)
#  define RINGACTOR_PYTHON_INPROCESS_BUFFERS 1
#  include "buffers.hpp"
#else
#  define RINGACTOR_PYTHON_INPROCESS_BUFFERS 0
#endif

namespace ringactor::python {

namespace py = pybind11;

/// One in-process type as Python sees it.
struct inprocess_type {
  std::string name;       ///< its ringactor.types path
  type_id_t id = nullptr; ///< type_id_of<T>()
  std::vector<std::pair<std::string, std::string>>
    fields; ///< name, type ("f32", "device_buffer<f32>")
  // Plain PyObject* in the signatures: pybind11's classes have hidden
  // visibility, which this struct (shared between extensions) must not hold.

  /// The message for `obj`, an object of the type's class (GIL held);
  /// TypeError naming the field for a value that does not fit.
  std::function<mailbox_element_ptr(PyObject* obj)> to_element;
  /// A copy of a payload, kept and dropped without the GIL.
  std::function<std::shared_ptr<const void>(const void* payload)> copy;
  /// The field values of a payload as a new tuple (GIL held), in field
  /// order; throws py::error_already_set.
  std::function<PyObject*(const void* payload)> values;
};

/// The table of in-process types (one per process, in _ringactor).
class inprocess_types {
public:
  /// Adds `x`; false when its name is taken (by another type).
  bool add(inprocess_type x) {
    std::unique_lock guard{mtx_};
    if (by_name_.count(x.name) != 0)
      return by_name_.at(x.name)->id == x.id;
    auto p = std::make_shared<const inprocess_type>(std::move(x));
    by_name_.emplace(p->name, p);
    by_id_.emplace(p->id, p);
    return true;
  }
  std::shared_ptr<const inprocess_type> find(type_id_t id) const {
    std::shared_lock guard{mtx_};
    auto i = by_id_.find(id);
    return i == by_id_.end() ? nullptr : i->second;
  }
  std::shared_ptr<const inprocess_type> find(const std::string& name) const {
    std::shared_lock guard{mtx_};
    auto i = by_name_.find(name);
    return i == by_name_.end() ? nullptr : i->second;
  }
  std::vector<std::shared_ptr<const inprocess_type>> list() const {
    std::shared_lock guard{mtx_};
    std::vector<std::shared_ptr<const inprocess_type>> out;
    for (auto& [name, t] : by_name_)
      out.push_back(t);
    return out;
  }
  std::size_t size() const {
    std::shared_lock guard{mtx_};
    return by_name_.size();
  }

private:
  mutable std::shared_mutex mtx_;
  std::unordered_map<std::string, std::shared_ptr<const inprocess_type>>
    by_name_;                                                                  // guarded by mtx_
  std::unordered_map<type_id_t, std::shared_ptr<const inprocess_type>> by_id_; // guarded by mtx_
};

inline constexpr const char* inprocess_types_capsule = "_inprocess_types";
inline constexpr const char* inprocess_types_capsule_name = "ringactor._inprocess_types";

/// The table (in _ringactor; inprocess_types.cpp).
inprocess_types& inprocess_table();

/// The table, from any extension of the process (GIL held).
inline inprocess_types& inprocess_types_of_module() {
  auto cap = py::module_::import("_ringactor").attr(inprocess_types_capsule).cast<py::capsule>();
  if (std::string_view{cap.name()} != inprocess_types_capsule_name)
    throw py::type_error("_ringactor._inprocess_types is not ringactor's in-process type table");
  return *static_cast<inprocess_types*>(cap.get_pointer());
}

// -- describing a type ----------------------------------------------------------

/// A field of an in-process type: its name and member pointer.
template <class T, class M>
struct member_ref {
  const char* name;
  M T::*ptr;
};

template <class T, class M>
member_ref<T, M> member(const char* name, M T::*ptr) {
  return {name, ptr};
}

namespace inprocess_detail {

template <class M>
struct is_device_buffer : std::false_type {};
template <class E>
struct is_device_buffer<device_buffer<E>> : std::true_type {
  using element = E;
};

template <class M>
std::string field_type_name() {
  if constexpr (std::is_same_v<M, bool>)
    return "bool";
  else if constexpr (std::is_arithmetic_v<M>)
    return wire::scalar_type_name(std::is_signed_v<M>, std::is_floating_point_v<M>, sizeof(M));
  else if constexpr (std::is_same_v<M, std::string>)
    return "string";
  else if constexpr (is_device_buffer<M>::value)
    return "device_buffer<" + field_type_name<typename is_device_buffer<M>::element>() + ">";
  else
    static_assert(sizeof(M) == 0, "ringactor python: an in-process type's field is bool, an "
                                  "integer, float, double, std::string or device_buffer<T>");
}

[[noreturn]] inline void misfit(const std::string& type, const char* field, const std::string& want,
                                py::handle v) {
  throw py::type_error(type + ": field '" + field + "' expects " + want + ", got "
                       + std::string{Py_TYPE(v.ptr())->tp_name} + " "
                       + py::repr(v).cast<std::string>());
}

/// Reads field `f` of `obj` into `out`.
template <class M>
void load_field(const std::string& type, const char* f, PyObject* obj, M& out) {
  py::object v = py::handle{obj}.attr(f);
  if constexpr (std::is_same_v<M, bool>) {
    if (!PyBool_Check(v.ptr()))
      misfit(type, f, "bool", v);
    out = v.ptr() == Py_True;
  } else if constexpr (std::is_integral_v<M>) {
    if (!PyLong_Check(v.ptr()) || PyBool_Check(v.ptr()))
      misfit(type, f, field_type_name<M>(), v);
    try {
      out = v.cast<M>(); // pybind11 refuses a value past M's range
    } catch (py::cast_error&) {
      misfit(type, f, field_type_name<M>() + " in range", v);
    }
  } else if constexpr (std::is_floating_point_v<M>) {
    if (!PyFloat_Check(v.ptr()) && (!PyLong_Check(v.ptr()) || PyBool_Check(v.ptr())))
      misfit(type, f, field_type_name<M>(), v);
    out = static_cast<M>(PyFloat_AsDouble(v.ptr()));
  } else if constexpr (std::is_same_v<M, std::string>) {
    if (!PyUnicode_Check(v.ptr()))
      misfit(type, f, "string", v);
    out = v.cast<std::string>();
  } else {
#if RINGACTOR_PYTHON_INPROCESS_BUFFERS
    using E = typename is_device_buffer<M>::element;
    if (!py::isinstance<py_device_buffer>(v))
      misfit(type, f, "a ringactor.DeviceBuffer", v);
    try {
      out = v.cast<const py_device_buffer&>().handle<E>();
    } catch (py::type_error& e) {
      throw py::type_error(type + ": field '" + f + "': " + e.what());
    }
#else
    misfit(type, f, "a ringactor.DeviceBuffer (this build has no DLPack)", v);
#endif
  }
}

/// The Python value of a field.
template <class M>
py::object save_field(const M& x) {
  if constexpr (is_device_buffer<M>::value) {
#if RINGACTOR_PYTHON_INPROCESS_BUFFERS
    using E = typename is_device_buffer<M>::element;
    return py::cast(py_device_buffer::view_of(x.data(), x.size(), dlpack_dtype_of<E>()));
#else
    return py::none();
#endif
  } else {
    return py::cast(x);
  }
}

} // namespace inprocess_detail

/// Describes T to Python as `name` with the fields `members`, in the
/// table of _ringactor (GIL held). Throws std::invalid_argument when
/// another type has that name.
template <class T, class... Ms>
void add_inprocess_type(const std::string& name, member_ref<T, Ms>... members) {
  static_assert(std::is_default_constructible_v<T> && std::is_copy_constructible_v<T>);
  auto refs = std::make_tuple(members...);
  inprocess_type x;
  x.name = name;
  x.id = type_id_of<T>();
  (x.fields.emplace_back(members.name, inprocess_detail::field_type_name<Ms>()), ...);
  x.to_element = [name, refs](PyObject* obj) {
    T value{};
    std::apply(
      [&](auto&... m) { (inprocess_detail::load_field(name, m.name, obj, value.*(m.ptr)), ...); },
      refs);
    return make_mailbox_element(nullptr, message_id{}, std::move(value));
  };
  x.copy = [](const void* payload) -> std::shared_ptr<const void> {
    return std::make_shared<const T>(*static_cast<const T*>(payload));
  };
  x.values = [refs](const void* payload) {
    auto& value = *static_cast<const T*>(payload);
    return std::apply(
             [&](auto&... m) {
               return py::make_tuple(inprocess_detail::save_field(value.*(m.ptr))...);
             },
             refs)
      .release()
      .ptr();
  };
  if (!inprocess_types_of_module().add(std::move(x)))
    throw std::invalid_argument("ringactor python: another in-process type is named " + name);
}

} // namespace ringactor::python
