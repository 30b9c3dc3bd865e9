// ringactor Python module: the direct path between ringactor.types objects
// and registered C++ types (typed_values.hpp).
#include "typed_values.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>

#include <ringactor/dynamic_message.hpp>
#include <ringactor/type_registry.hpp>
#include <ringactor/wire/encoding.hpp>
#include <ringactor/wire_error.hpp>

#include "errors.hpp"
#include "python_objects.hpp"
#include "typed_plan.hpp"

namespace ringactor::python {

namespace {

/// The plans of ringactor.types classes: read and written only with the
/// GIL held (classes are compared by identity; a reference keeps each).
std::unordered_map<PyObject*, const type_plan*>& class_plans() {
  static auto* by_class = new std::unordered_map<PyObject*, const type_plan*>;
  return *by_class;
}

/// The class of `obj` (GIL held): ringactor.types.get(name), once.
PyObject* class_of(object_plan& obj) {
  if (obj.cls == nullptr) {
    static PyObject* get = nullptr; // see python_objects.hpp
    obj.cls = cached_attr(get, "ringactor.types", "get")(obj.name).release().ptr();
  }
  return obj.cls;
}

// Statistics for the tests, pairing with nothing: a test reads them after
// the request that counted returned, and that reply orders the counts.
std::atomic<std::uint64_t> to_cpp_count{0};
std::atomic<std::uint64_t> to_python_count{0};

PyObject* name_of(field_plan& f) {
  if (f.py_name == nullptr)
    f.py_name = PyUnicode_InternFromString(f.name.c_str());
  return f.py_name;
}

// -- Python -> bytes ----------------------------------------------------------

/// Where the walk is: a chain on the stack, spelled out only for an error
/// (building a path string per field cost more than the field itself).
struct path_step {
  const path_step* parent = nullptr;
  std::string_view name;   ///< a field's name, or empty
  std::size_t index = 0;   ///< a list's index, when name and key are empty
  PyObject* key = nullptr; ///< a map's key (borrowed)
};

std::string spell(const path_step* at) {
  if (at == nullptr)
    return {};
  auto out = spell(at->parent);
  if (!at->name.empty()) {
    if (!out.empty())
      out += '.';
    out.append(at->name);
  } else if (at->key != nullptr) {
    out += '[' + py::repr(at->key).cast<std::string>() + ']';
  } else {
    out += '[' + std::to_string(at->index) + ']';
  }
  return out;
}

/// A value that does not fit its field: where and why.
struct misfit {
  std::string path;
  std::string what;
  misfit(const path_step* at, std::string why) : path(spell(at)), what(std::move(why)) {}
};

std::string describe(PyObject* v) {
  auto repr = py::repr(v).cast<std::string>();
  if (repr.size() > 60)
    repr = repr.substr(0, 57) + "...";
  return fmt::format("{} {}", Py_TYPE(v)->tp_name, repr);
}

[[noreturn]] void refuse(const value_plan& p, PyObject* v, const path_step* path) {
  throw misfit{path, fmt::format("expects {}, got {}", p.type, describe(v))};
}

template <class T>
void put(std::vector<std::byte>& out, T x) {
  wire::append_scalar(out, x);
}

template <class T>
void put_int(const value_plan& p, PyObject* v, std::vector<std::byte>& out, const path_step* path) {
  if (!PyLong_Check(v) || PyBool_Check(v))
    refuse(p, v, path);
  int overflow = 0;
  if constexpr (std::is_signed_v<T>) {
    auto x = PyLong_AsLongLongAndOverflow(v, &overflow);
    if (overflow != 0 || x < std::numeric_limits<T>::min() || x > std::numeric_limits<T>::max())
      throw misfit{path, fmt::format("expects {}: {} is out of range", p.type, describe(v))};
    put(out, static_cast<T>(x));
  } else {
    auto x = PyLong_AsUnsignedLongLong(v);
    if (PyErr_Occurred() != nullptr || x > std::numeric_limits<T>::max()) {
      PyErr_Clear();
      throw misfit{path, fmt::format("expects {}: {} is out of range", p.type, describe(v))};
    }
    put(out, static_cast<T>(x));
  }
}

void put_length(std::vector<std::byte>& out, Py_ssize_t n) {
  wire::append_varint(out, static_cast<std::uint64_t>(n));
}

void encode(const value_plan& p, PyObject* v, std::vector<std::byte>& out, const path_step* path);

void encode_object(object_plan& obj, PyObject* v, std::vector<std::byte>& out,
                   const path_step* path) {
  for (auto& f : obj.fields) {
    path_step step{path, f.name};
    auto* sub = &step;
    auto x = py::reinterpret_steal<py::object>(PyObject_GetAttr(v, name_of(f)));
    if (!x) {
      PyErr_Clear();
      throw misfit{sub, "is not set"};
    }
    encode(f.value, x.ptr(), out, sub);
  }
}

void encode(const value_plan& p, PyObject* v, std::vector<std::byte>& out, const path_step* path) {
  switch (p.kind) {
    case value_kind::boolean:
      if (!PyBool_Check(v))
        refuse(p, v, path);
      out.push_back(static_cast<std::byte>(v == Py_True ? 1 : 0));
      return;
    case value_kind::i8: return put_int<std::int8_t>(p, v, out, path);
    case value_kind::i16: return put_int<std::int16_t>(p, v, out, path);
    case value_kind::i32: return put_int<std::int32_t>(p, v, out, path);
    case value_kind::i64: return put_int<std::int64_t>(p, v, out, path);
    case value_kind::u8: return put_int<std::uint8_t>(p, v, out, path);
    case value_kind::u16: return put_int<std::uint16_t>(p, v, out, path);
    case value_kind::u32: return put_int<std::uint32_t>(p, v, out, path);
    case value_kind::u64: return put_int<std::uint64_t>(p, v, out, path);
    case value_kind::f32:
    case value_kind::f64: {
      if (!PyFloat_Check(v) && (!PyLong_Check(v) || PyBool_Check(v)))
        refuse(p, v, path);
      auto x = PyFloat_AsDouble(v);
      if (x == -1.0 && PyErr_Occurred() != nullptr) {
        PyErr_Clear();
        throw misfit{path, fmt::format("expects {}: {} is out of range", p.type, describe(v))};
      }
      if (p.kind == value_kind::f32)
        put(out, static_cast<float>(x)); // the loader refuses what became infinite
      else
        put(out, x);
      return;
    }
    case value_kind::string: {
      if (!PyUnicode_Check(v))
        refuse(p, v, path);
      Py_ssize_t n = 0;
      const char* s = PyUnicode_AsUTF8AndSize(v, &n);
      if (s == nullptr) {
        PyErr_Clear(); // a lone surrogate
        throw misfit{path, "expects string: the str is not valid UTF-8"};
      }
      put_length(out, n);
      out.insert(out.end(), reinterpret_cast<const std::byte*>(s),
                 reinterpret_cast<const std::byte*>(s) + n);
      return;
    }
    case value_kind::list:
    case value_kind::array: {
      if (!PyList_Check(v) && !PyTuple_Check(v))
        refuse(p, v, path);
      auto n = PySequence_Fast_GET_SIZE(v);
      if (p.kind == value_kind::array && static_cast<std::size_t>(n) != p.count)
        throw misfit{path, fmt::format("expects {}: {} items, not {}", p.type, n, p.count)};
      if (p.kind == value_kind::list)
        put_length(out, n);
      auto** items = PySequence_Fast_ITEMS(v);
      for (Py_ssize_t i = 0; i < n; ++i) {
        path_step step{path, {}, static_cast<std::size_t>(i)};
        encode(*p.item, items[i], out, &step);
      }
      return;
    }
    case value_kind::optional:
      out.push_back(static_cast<std::byte>(v == Py_None ? 0 : 1));
      if (v != Py_None)
        encode(*p.item, v, out, path);
      return;
    case value_kind::string_map: {
      if (!PyDict_Check(v))
        refuse(p, v, path);
      put_length(out, PyDict_GET_SIZE(v));
      // The binary loader reads entries into a std::map: any order will do.
      PyObject* key = nullptr;
      PyObject* val = nullptr;
      Py_ssize_t pos = 0;
      while (PyDict_Next(v, &pos, &key, &val)) {
        static const value_plan string_plan{value_kind::string, "string", 0, nullptr, nullptr};
        path_step key_step{path, "key"};
        encode(string_plan, key, out, &key_step);
        path_step val_step{path, {}, 0, key};
        encode(*p.item, val, out, &val_step);
      }
      return;
    }
    case value_kind::object:
      if (PyObject_IsInstance(v, class_of(*p.object)) != 1) {
        PyErr_Clear();
        refuse(p, v, path);
      }
      return encode_object(*p.object, v, out, path);
  }
}

// -- bytes -> Python ----------------------------------------------------------

/// Reads what the binary codec wrote; a short or malformed input (which a
/// codec of this process does not write) is a WireError, never a crash.
struct reader {
  const std::byte* data;
  std::size_t size;
  std::size_t pos = 0;

  const std::byte* take(std::size_t n) {
    if (n > size - pos)
      raise_error(error{wire_errc::truncated, "the binary form of a reply ended early"});
    auto* at = data + pos;
    pos += n;
    return at;
  }
  template <class T>
  T scalar() {
    T x;
    std::memcpy(&x, take(sizeof(T)), sizeof(T));
    return x;
  }
  std::size_t length() {
    std::uint64_t n = 0;
    if (wire::read_varint(data, size, pos, n) != wire::varint_status::ok
        || n > wire_limits{}.max_container_length)
      raise_error(error{wire_errc::truncated, "the binary form of a reply is malformed"});
    return static_cast<std::size_t>(n);
  }
};

py::object steal(PyObject* p) {
  if (p == nullptr)
    throw py::error_already_set();
  return py::reinterpret_steal<py::object>(p);
}

py::object decode(const value_plan& p, reader& in);

py::object decode_object(object_plan& obj, reader& in) {
  auto* cls = reinterpret_cast<PyTypeObject*>(class_of(obj));
  static PyObject* no_args = PyTuple_New(0); // never freed
  auto out = steal(cls->tp_new(cls, no_args, nullptr));
  for (auto& f : obj.fields) {
    auto v = decode(f.value, in);
    if (PyObject_SetAttr(out.ptr(), name_of(f), v.ptr()) != 0)
      throw py::error_already_set();
  }
  return out;
}

/// A float as the shortest text that reads back to it, read as a double:
/// the Python value the JSON path gave (4.2f is 4.2, not 4.199999809265137).
double widen(float x) {
  if (!std::isfinite(x))
    return static_cast<double>(x);
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, x);
  double d = 0;
  std::from_chars(buf, r.ptr, d);
  return d;
}

py::object decode(const value_plan& p, reader& in) {
  switch (p.kind) {
    case value_kind::boolean: return py::bool_(in.scalar<std::uint8_t>() != 0);
    case value_kind::i8: return steal(PyLong_FromLong(in.scalar<std::int8_t>()));
    case value_kind::i16: return steal(PyLong_FromLong(in.scalar<std::int16_t>()));
    case value_kind::i32: return steal(PyLong_FromLong(in.scalar<std::int32_t>()));
    case value_kind::i64: return steal(PyLong_FromLongLong(in.scalar<std::int64_t>()));
    case value_kind::u8: return steal(PyLong_FromUnsignedLong(in.scalar<std::uint8_t>()));
    case value_kind::u16: return steal(PyLong_FromUnsignedLong(in.scalar<std::uint16_t>()));
    case value_kind::u32: return steal(PyLong_FromUnsignedLong(in.scalar<std::uint32_t>()));
    case value_kind::u64: return steal(PyLong_FromUnsignedLongLong(in.scalar<std::uint64_t>()));
    case value_kind::f32: return steal(PyFloat_FromDouble(widen(in.scalar<float>())));
    case value_kind::f64: return steal(PyFloat_FromDouble(in.scalar<double>()));
    case value_kind::string: {
      auto n = in.length();
      auto* s = reinterpret_cast<const char*>(in.take(n));
      return steal(PyUnicode_DecodeUTF8(s, static_cast<Py_ssize_t>(n), "strict"));
    }
    case value_kind::list:
    case value_kind::array: {
      auto n = p.kind == value_kind::list ? in.length() : p.count;
      auto out = steal(PyList_New(static_cast<Py_ssize_t>(n)));
      for (std::size_t i = 0; i < n; ++i)
        PyList_SET_ITEM(out.ptr(), static_cast<Py_ssize_t>(i), decode(*p.item, in).release().ptr());
      return out;
    }
    case value_kind::optional:
      if (in.scalar<std::uint8_t>() == 0)
        return py::none();
      return decode(*p.item, in);
    case value_kind::string_map: {
      auto n = in.length();
      auto out = steal(PyDict_New());
      static const value_plan string_plan{value_kind::string, "string", 0, nullptr, nullptr};
      for (std::size_t i = 0; i < n; ++i) {
        auto k = decode(string_plan, in);
        auto v = decode(*p.item, in);
        if (PyDict_SetItem(out.ptr(), k.ptr(), v.ptr()) != 0)
          throw py::error_already_set();
      }
      return out;
    }
    case value_kind::object: return decode_object(*p.object, in);
  }
  return py::none();
}

} // namespace

mailbox_element_ptr typed_to_element(py::handle obj) {
  auto* cls = reinterpret_cast<PyObject*>(Py_TYPE(obj.ptr()));
  auto& by_class = class_plans();
  const type_plan* plan = nullptr;
  if (auto i = by_class.find(cls); i != by_class.end()) {
    plan = i->second;
  } else {
    auto name = obj.attr("__ringactor_type__").cast<std::string>();
    auto e = type_registry::global().find(name);
    if (e)
      plan = find_type_plan(e->id);
    Py_INCREF(cls); // the key stays alive as long as the map
    by_class.emplace(cls, plan);
  }
  if (plan == nullptr)
    return nullptr;
  std::vector<std::byte> bytes;
  bytes.reserve(64);
  try {
    encode_object(*plan->root, obj.ptr(), bytes, nullptr);
  } catch (misfit& m) {
    raise_error(error{wire_errc::type_mismatch,
                      fmt::format("{}: field '{}' {}", plan->root->name, m.path, m.what)});
  }
  auto msg = plan->binary.load(bytes, wire_limits{});
  if (!msg)
    raise_error(msg.error());
  to_cpp_count.fetch_add(1, std::memory_order_relaxed);
  return msg->to_element(nullptr, message_id{});
}

std::optional<expected<typed_bytes>> typed_detach(mailbox_element& x) {
  auto* plan = find_type_plan(x.type);
  if (plan == nullptr)
    return std::nullopt;
  typed_bytes out{plan, {}};
  if (auto r = plan->binary.save(x.payload(), out.bytes, wire_limits{}); !r)
    return expected<typed_bytes>{r.error()};
  return expected<typed_bytes>{std::move(out)};
}

py::object typed_to_python(const typed_bytes& x) {
  reader in{x.bytes.data(), x.bytes.size()};
  auto out = decode_object(*x.plan->root, in);
  if (in.pos != in.size)
    raise_error(error{wire_errc::trailing_bytes, "the binary form of a reply has bytes left"});
  to_python_count.fetch_add(1, std::memory_order_relaxed);
  return out;
}

typed_counts typed_conversions() noexcept {
  return {to_cpp_count.load(std::memory_order_relaxed),
          to_python_count.load(std::memory_order_relaxed)};
}

bool has_typed_plan(std::string_view name) {
  auto e = type_registry::global().find(name);
  return e && find_type_plan(e->id) != nullptr;
}

} // namespace ringactor::python
