// ringactor Python module: values between Python and C++ (values.hpp).
#include "values.hpp"

#include <shared_mutex>
#include <unordered_map>
#include <utility>

#include <ringactor/abstract_actor.hpp>
#include <ringactor/actor.hpp>
#include <ringactor/dynamic_message.hpp>
#include <ringactor/type_id.hpp>
#include <ringactor/type_registry.hpp>
#include <ringactor/wire_error.hpp>

#include "errors.hpp"
#include "json_text.hpp"
#include "python_objects.hpp"

namespace ringactor::python {

namespace {

template <class T>
bool detach_as(mailbox_element& x, detached_value& out) {
  if (auto v = x.get_if<T>()) {
    if constexpr (std::is_integral_v<T> && std::is_signed_v<T> && !std::is_same_v<T, bool>)
      out = static_cast<std::int64_t>(*v);
    else if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)
      out = static_cast<std::uint64_t>(*v);
    else if constexpr (std::is_floating_point_v<T>)
      out = static_cast<double>(*v);
    else
      out = *v;
    return true;
  }
  return false;
}

template <class... Ts>
bool detach_any(mailbox_element& x, detached_value& out) {
  return (detach_as<Ts>(x, out) || ...);
}

template <class T>
py::list list_of(const std::vector<T>& xs) {
  py::list out(xs.size());
  for (size_t i = 0; i < xs.size(); ++i)
    out[i] = py::cast(xs[i]);
  return out;
}

template <class T>
py::dict dict_of(const std::map<std::string, T>& xs) {
  py::dict out;
  for (auto& [k, v] : xs)
    out[py::str(k)] = py::cast(v);
  return out;
}

/// A homogeneous list of `Py` (int, float, str) as std::vector<T>; false
/// if an element has another type.
template <class T>
bool vector_of(py::list xs, std::vector<T>& out) {
  out.reserve(xs.size());
  for (auto x : xs) {
    if constexpr (std::is_same_v<T, std::int64_t>) {
      if (!PyLong_Check(x.ptr()) || PyBool_Check(x.ptr()))
        return false;
    } else if constexpr (std::is_same_v<T, double>) {
      if (!PyFloat_Check(x.ptr()))
        return false;
    } else {
      if (!PyUnicode_Check(x.ptr()))
        return false;
    }
    out.push_back(x.cast<T>());
  }
  return true;
}

template <class T>
bool map_of(py::dict xs, std::map<std::string, T>& out) {
  for (auto item : xs) {
    py::handle k = item.first;
    py::handle v = item.second;
    if (!PyUnicode_Check(k.ptr()))
      return false;
    if constexpr (std::is_same_v<T, std::int64_t>) {
      if (!PyLong_Check(v.ptr()) || PyBool_Check(v.ptr()))
        return false;
    } else if constexpr (std::is_same_v<T, double>) {
      if (!PyFloat_Check(v.ptr()))
        return false;
    } else {
      if (!PyUnicode_Check(v.ptr()))
        return false;
    }
    out.emplace(k.template cast<std::string>(), v.template cast<T>());
  }
  return true;
}

template <class T>
mailbox_element_ptr element_of(T&& x) {
  return make_mailbox_element(nullptr, message_id{}, std::forward<T>(x));
}

/// What values.cpp needs of a registry entry: its name and JSON codec.
/// Looked up once per type: type_registry::find copies the whole entry
/// (its strings) under a shared lock, on every request's path otherwise.
/// An entry with a JSON codec never changes (the registry only fills empty
/// slots), so a cached copy stays right; entries without one are looked up
/// again (a codec may be set later).
struct codec_entry {
  std::string name;
  json_codec json;
};

class codec_cache {
public:
  const codec_entry* find(type_id_t id) {
    {
      std::shared_lock guard{mtx_};
      if (auto i = by_id_.find(id); i != by_id_.end())
        return &i->second;
    }
    auto e = type_registry::global().find(id);
    if (!e || e->json.save == nullptr || e->json.load == nullptr)
      return nullptr;
    std::unique_lock guard{mtx_};
    return &by_id_.try_emplace(id, codec_entry{e->name, e->json}).first->second;
  }

  const codec_entry* find(const std::string& name) {
    {
      std::shared_lock guard{mtx_};
      if (auto i = by_name_.find(name); i != by_name_.end())
        return i->second;
    }
    auto e = type_registry::global().find(name);
    if (!e || e->json.save == nullptr || e->json.load == nullptr)
      return nullptr;
    auto* entry = find(e->id);
    std::unique_lock guard{mtx_};
    by_name_.try_emplace(name, entry);
    return entry;
  }

private:
  std::shared_mutex mtx_;
  // Node-based maps: the entries' addresses stay valid as they grow.
  std::unordered_map<type_id_t, codec_entry> by_id_;            // guarded by mtx_
  std::unordered_map<std::string, const codec_entry*> by_name_; // guarded by mtx_
};

codec_cache& codecs() {
  // Never destroyed: a detached worker may still convert at exit.
  static auto* cache = new codec_cache;
  return *cache;
}

std::string python_type_name(py::handle obj) {
  return py::str(py::type::handle_of(obj).attr("__name__")).cast<std::string>();
}

} // namespace

expected<detached_value> detach(mailbox_element& x) {
  detached_value out;
  if (x.is<unit_t>())
    return out;
  if (auto err = x.get_if<error>())
    return detached_value{*err};
  if (auto v = x.get_if<py_value>())
    return detached_value{*v};
  if (auto v = x.get_if<supervision::pool_stats>())
    return detached_value{*v};
  if (auto v = x.get_if<supervision::supervisor_counts>())
    return detached_value{*v};
  if (auto v = x.get_if<std::vector<supervision::child_info>>())
    return detached_value{*v};
  if (detach_any<bool, std::int64_t, std::int32_t, std::int16_t, std::int8_t, std::uint64_t,
                 std::uint32_t, std::uint16_t, std::uint8_t, double, float, std::string,
                 std::vector<std::byte>, std::vector<std::int64_t>, std::vector<double>,
                 std::vector<std::string>, std::map<std::string, std::int64_t>,
                 std::map<std::string, double>, std::map<std::string, std::string>>(x, out))
    return out;
  if (auto t = inprocess_table().find(x.type))
    return detached_value{inprocess_value{t, t->copy(x.payload())}};
  if (auto typed = typed_detach(x)) {
    if (!*typed)
      return typed->error();
    return detached_value{std::move(**typed)};
  }
  auto* entry = codecs().find(x.type);
  if (entry == nullptr)
    return error{sec::unexpected_response,
                 fmt::format("a value of type {} has no Python form: register it with "
                             "RINGACTOR_TYPE and give it an inspect() function",
                             x.type->name)};
  json_value v{entry->name, {}};
  if (auto r = entry->json.save(x.payload(), v.text, wire_limits{}); !r)
    return r.error();
  return detached_value{std::move(v)};
}

py::object to_python(detached_value x, const std::shared_ptr<system_box>& box) {
  return std::visit(
    [&box](auto& v) -> py::object {
      using T = std::decay_t<decltype(v)>;
      if constexpr (std::is_same_v<T, std::monostate>) {
        return py::none();
      } else if constexpr (std::is_same_v<T, std::vector<std::byte>>) {
        return py::bytes(reinterpret_cast<const char*>(v.data()), v.size());
      } else if constexpr (std::is_same_v<T, std::vector<std::int64_t>>
                           || std::is_same_v<T, std::vector<double>>
                           || std::is_same_v<T, std::vector<std::string>>) {
        return list_of(v);
      } else if constexpr (std::is_same_v<T, std::map<std::string, std::int64_t>>
                           || std::is_same_v<T, std::map<std::string, double>>
                           || std::is_same_v<T, std::map<std::string, std::string>>) {
        return dict_of(v);
      } else if constexpr (std::is_same_v<T, typed_bytes>) {
        return typed_to_python(v);
      } else if constexpr (std::is_same_v<T, inprocess_value>) {
        static PyObject* get = nullptr; // see python_objects.hpp
        auto cls = cached_attr(get, "ringactor.types", "get")(v.type->name);
        auto* type = reinterpret_cast<PyTypeObject*>(cls.ptr());
        auto no_args = py::tuple(0);
        auto obj = py::reinterpret_steal<py::object>(type->tp_new(type, no_args.ptr(), nullptr));
        if (!obj)
          throw py::error_already_set();
        auto values = py::reinterpret_steal<py::tuple>(v.type->values(v.value.get()));
        for (std::size_t i = 0; i < v.type->fields.size(); ++i)
          obj.attr(py::str(v.type->fields[i].first)) = values[i];
        return obj;
      } else if constexpr (std::is_same_v<T, json_value>) {
        static PyObject* from_json = nullptr; // see python_objects.hpp
        return cached_attr(from_json, "ringactor.types", "_from_json")(v.type, py::bytes(v.text));
      } else if constexpr (std::is_same_v<T, error>) {
        return make_exception(v);
      } else if constexpr (std::is_same_v<T, py_value>) {
        return v.obj ? v.obj->get() : py::none();
      } else if constexpr (std::is_same_v<T, std::vector<supervision::child_info>>) {
        // (name, handle or None while not running, restart, starts)
        static constexpr const char* restarts[] = {"permanent", "transient", "temporary"};
        py::list out;
        for (auto& c : v) {
          py::object h = py::none();
          if (c.handle) {
            auto id = c.handle.id();
            h = py::cast(py_handle{c.handle.ctrl(), id, box});
          }
          out.append(py::make_tuple(c.name, h, restarts[static_cast<int>(c.restart)], c.starts));
        }
        return out;
      } else {
        return py::cast(v);
      }
    },
    x);
}

py_value wrap_python(py::handle obj) {
  auto h = PyObject_Hash(obj.ptr());
  if (h == -1 && PyErr_Occurred() != nullptr)
    PyErr_Clear(); // unhashable: any worker will do
  return py_value{std::make_shared<py_ref>(obj), static_cast<std::uint64_t>(h)};
}

mailbox_element_ptr to_element_for(actor_system& sys, bool python_values, py::handle obj) {
  // Compared by type object: a request's path pays four pointer
  // comparisons, not pybind11's type lookups. The classes are bound at
  // import (supervision.cpp), before any message is sent.
  static auto* stats_type = py::type::of<supervision::get_pool_stats>().ptr();
  static auto* resize_type = py::type::of<supervision::pool_resize>().ptr();
  static auto* count_type = py::type::of<supervision::count_children>().ptr();
  static auto* children_type = py::type::of<supervision::which_children>().ptr();
  auto* type = reinterpret_cast<PyObject*>(Py_TYPE(obj.ptr()));
  if (type == stats_type)
    return element_of(supervision::get_pool_stats{});
  if (type == resize_type)
    return element_of(obj.cast<supervision::pool_resize>());
  if (type == count_type)
    return element_of(supervision::count_children{});
  if (type == children_type)
    return element_of(supervision::which_children{});
  if (python_values)
    return element_of(wrap_python(obj));
  return to_element(sys, obj);
}

mailbox_element_ptr to_element(actor_system& /*sys*/, py::handle obj) {
  auto* p = obj.ptr();
  if (p == Py_None)
    return element_of(unit_t{});
  if (PyBool_Check(p))
    return element_of(p == Py_True);
  if (PyLong_Check(p)) {
    int overflow = 0;
    auto v = PyLong_AsLongLongAndOverflow(p, &overflow);
    if (overflow == 0)
      return element_of(static_cast<std::int64_t>(v));
    if (overflow > 0) {
      auto u = PyLong_AsUnsignedLongLong(p);
      if (!PyErr_Occurred())
        return element_of(static_cast<std::uint64_t>(u));
      PyErr_Clear();
    }
    throw py::type_error("an int past the range of 64 bits has no C++ form");
  }
  if (PyFloat_Check(p))
    return element_of(PyFloat_AS_DOUBLE(p));
  if (PyUnicode_Check(p))
    return element_of(obj.cast<std::string>());
  if (PyBytes_Check(p)) {
    auto* data = reinterpret_cast<const std::byte*>(PyBytes_AS_STRING(p));
    return element_of(std::vector<std::byte>(data, data + PyBytes_GET_SIZE(p)));
  }
  if (PyList_Check(p)) {
    auto xs = py::reinterpret_borrow<py::list>(obj);
    if (std::vector<std::int64_t> v; vector_of(xs, v))
      return element_of(std::move(v));
    if (std::vector<double> v; vector_of(xs, v))
      return element_of(std::move(v));
    if (std::vector<std::string> v; vector_of(xs, v))
      return element_of(std::move(v));
    throw py::type_error("a list crosses to C++ only when all its items are ints, all floats "
                         "or all strs");
  }
  if (PyDict_Check(p)) {
    auto xs = py::reinterpret_borrow<py::dict>(obj);
    if (std::map<std::string, std::int64_t> v; map_of(xs, v))
      return element_of(std::move(v));
    if (std::map<std::string, double> v; map_of(xs, v))
      return element_of(std::move(v));
    if (std::map<std::string, std::string> v; map_of(xs, v))
      return element_of(std::move(v));
    throw py::type_error("a dict crosses to C++ only with str keys and all int, all float or "
                         "all str values");
  }
  if (py::hasattr(obj, "__ringactor_type__")) {
    if (auto x = typed_to_element(obj))
      return x;
    auto name = obj.attr("__ringactor_type__").cast<std::string>();
    if (auto t = inprocess_table().find(name))
      return t->to_element(obj.ptr());
    auto* entry = codecs().find(name);
    if (entry == nullptr)
      raise_error(error{wire_errc::unknown_type,
                        fmt::format("no type '{}' with a JSON form is registered", name)});
    std::string text;
    append_json(text, obj);
    auto msg = entry->json.load(text, wire_limits{});
    if (!msg)
      raise_error(msg.error());
    return msg->to_element(nullptr, message_id{});
  }
  throw py::type_error("a value of type " + python_type_name(obj)
                       + " has no C++ form: send None, bool, int, float, str, bytes, a list, a "
                         "dict or an object of a class in ringactor.types");
}

} // namespace ringactor::python
