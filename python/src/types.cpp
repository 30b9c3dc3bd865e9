// ringactor Python module: the type registry as data for ringactor.types,
// which builds a Python class per registered type from its schema.
#include <ringactor/schema.hpp>
#include <ringactor/type_registry.hpp>

#include "bindings.hpp"
#include "inprocess_types.hpp"
#include "typed_values.hpp"

namespace ringactor::python {

namespace {

py::dict schema_dict(const wire::type_schema& s) {
  py::dict out;
  out["name"] = s.name;
  py::list fields;
  for (auto& f : s.fields)
    fields.append(py::make_tuple(f.name, f.type));
  out["fields"] = fields;
  py::list enumerators;
  for (auto& e : s.enumerators)
    enumerators.append(py::make_tuple(e.name, e.value));
  out["enumerators"] = enumerators;
  py::list nested;
  for (auto& n : s.nested)
    nested.append(schema_dict(n));
  out["nested"] = nested;
  return out;
}

} // namespace

void bind_types(py::module_& m) {
  m.def(
    "registered_types",
    [] {
      // Only named, inspectable types with a JSON codec have a Python class.
      py::list out;
      for (auto& e : type_registry::global().list()) {
        if (!e.named || e.schema == nullptr || e.json.load == nullptr)
          continue;
        auto s = schema_dict(e.schema());
        s["stable_id"] = e.stable_id;
        s["digest"] = e.digest;
        s["category"] = e.category;
        out.append(s);
      }
      // In-process types (a device_buffer field): no schema in the
      // registry, no wire form; their digest covers their name and fields.
      for (auto& t : inprocess_table().list()) {
        py::dict s;
        s["name"] = t->name;
        py::list fields;
        std::string text = t->name;
        for (auto& [fname, ftype] : t->fields) {
          fields.append(py::make_tuple(fname, ftype));
          text += "|" + fname + ":" + ftype;
        }
        s["fields"] = fields;
        s["enumerators"] = py::list();
        s["nested"] = py::list();
        s["stable_id"] = wire::fnv1a64(t->name);
        s["digest"] = wire::fnv1a64(text);
        s["category"] = "inprocess";
        out.append(s);
      }
      return out;
    },
    "The named, inspectable types of the wire layer's registry with a JSON form: one dict "
    "each (name, fields, nested, enumerators, stable_id, digest, category).");
  m.def(
    "registry_digest", [] { return type_registry::global().digest(); },
    "type_registry::global().digest(): over every inspectable type's name and digest.");
  m.def(
    "registry_size", [] { return type_registry::global().size(); },
    "How many types the registry holds (ringactor.types rebuilds when it grows).");
  m.def(
    "type_digest",
    [](const std::string& name) -> py::object {
      auto e = type_registry::global().find(name);
      if (!e)
        return py::none();
      return py::int_(e->digest);
    },
    "The schema digest of the registered type `name`, or None.");
  m.def(
    "inprocess_type_count", [] { return inprocess_table().size(); },
    "How many in-process types (inprocess_types.hpp) extensions described (ringactor.types "
    "rebuilds when they grow too).");
  m.def(
    "typed_path", [](const std::string& name) { return has_typed_plan(name); },
    "Whether values of the registered type `name` cross without text (typed_values.hpp); "
    "false: through its JSON codec.");
  m.def(
    "typed_conversions",
    [] {
      auto c = typed_conversions();
      return py::make_tuple(c.to_cpp, c.to_python);
    },
    "(to C++, to Python): values converted through the direct path so far.");
}

} // namespace ringactor::python
