// ringactor Python module: compiling a schema into a plan (typed_plan.hpp).
#include "typed_plan.hpp"

#include <charconv>
#include <mutex>
#include <shared_mutex>
#include <string_view>
#include <utility>

#include <ringactor/schema.hpp>

namespace ringactor::python {

namespace {

/// The top-level arguments of "a,b<c,d>" (split at ',' or '|').
std::vector<std::string_view> split_args(std::string_view text) {
  std::vector<std::string_view> out;
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '<')
      ++depth;
    else if (text[i] == '>')
      --depth;
    else if ((text[i] == ',' || text[i] == '|') && depth == 0) {
      out.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  out.push_back(text.substr(start));
  return out;
}

/// Compiles schema types into plans; false for a kind the plan does not take.
struct plan_builder {
  type_plan& plan;
  const wire::type_schema& schema;

  bool value(std::string_view type, value_plan& out) {
    static const std::pair<std::string_view, value_kind> scalars[] = {
      {"bool", value_kind::boolean}, {"i8", value_kind::i8},   {"i16", value_kind::i16},
      {"i32", value_kind::i32},      {"i64", value_kind::i64}, {"u8", value_kind::u8},
      {"u16", value_kind::u16},      {"u32", value_kind::u32}, {"u64", value_kind::u64},
      {"f32", value_kind::f32},      {"f64", value_kind::f64}, {"string", value_kind::string}};
    out.type = std::string{type};
    for (auto& [name, kind] : scalars)
      if (type == name) {
        out.kind = kind;
        return true;
      }
    auto lt = type.find('<');
    if (lt == std::string_view::npos || type.back() != '>')
      return object(type, out);
    auto head = type.substr(0, lt);
    auto args = split_args(type.substr(lt + 1, type.size() - lt - 2));
    // An enum without a description is its underlying integer, a duration
    // with an integer rep its count: both are that integer on the wire.
    if ((head == "enum" && args.size() == 1 && args[0].find(':') == std::string_view::npos)
        || (head == "duration" && args.size() == 2)) {
      auto t = out.type;
      if (!value(args[0], out) || out.kind == value_kind::f32 || out.kind == value_kind::f64
          || out.kind == value_kind::boolean || out.kind == value_kind::string)
        return false;
      out.type = t;
      return true;
    }
    out.item = std::make_unique<value_plan>();
    if ((head == "list" || head == "optional") && args.size() == 1) {
      out.kind = head == "list" ? value_kind::list : value_kind::optional;
      return value(args[0], *out.item);
    }
    if (head == "array" && args.size() == 2) {
      out.kind = value_kind::array;
      auto r = std::from_chars(args[1].data(), args[1].data() + args[1].size(), out.count);
      return r.ec == std::errc{} && value(args[0], *out.item);
    }
    if (head == "map" && args.size() == 2 && args[0] == "string") {
      out.kind = value_kind::string_map;
      return value(args[1], *out.item);
    }
    return false; // variant, a described enum, another map: the JSON path
  }

  bool object(std::string_view name, value_plan& out) {
    if (name == "actor" || name == "error")
      return false;
    out.kind = value_kind::object;
    if (auto i = plan.objects.find(std::string{name}); i != plan.objects.end()) {
      out.object = i->second.get();
      return true;
    }
    const wire::type_schema* s = name == schema.name ? &schema : nullptr;
    for (auto& n : schema.nested)
      if (n.name == name)
        s = &n;
    if (s == nullptr || !s->enumerators.empty())
      return false;
    auto& slot = plan.objects[std::string{name}];
    slot = std::make_unique<object_plan>();
    auto* obj = slot.get();
    obj->name = s->name;
    out.object = obj;
    obj->fields.resize(s->fields.size());
    for (std::size_t i = 0; i < s->fields.size(); ++i) {
      obj->fields[i].name = s->fields[i].name;
      if (!value(s->fields[i].type, obj->fields[i].value))
        return false;
    }
    return true;
  }
};

/// Plans by type id (null: the type has none), built once per type without
/// the GIL, kept for the process (a detached worker may convert at exit).
class plan_cache {
public:
  const type_plan* find(type_id_t id) {
    {
      std::shared_lock guard{mtx_};
      if (auto i = by_id_.find(id); i != by_id_.end())
        return i->second.get();
    }
    auto e = type_registry::global().find(id);
    if (!e || !e->named || e->schema == nullptr || e->binary.load == nullptr
        || e->binary.save == nullptr
        || e->json.load == nullptr) // no JSON form: no ringactor.types class either
      return nullptr;
    auto plan = std::make_unique<type_plan>();
    plan->binary = e->binary;
    auto schema = e->schema();
    plan_builder b{*plan, schema};
    value_plan root;
    if (!b.value(schema.name, root) || root.kind != value_kind::object)
      plan = nullptr;
    else
      plan->root = root.object;
    std::unique_lock guard{mtx_};
    return by_id_.try_emplace(id, std::move(plan)).first->second.get();
  }

private:
  std::shared_mutex mtx_;
  std::unordered_map<type_id_t, std::unique_ptr<type_plan>> by_id_; // guarded by mtx_
};

plan_cache& plans() {
  static auto* cache = new plan_cache; // never destroyed, like values.cpp's codec cache
  return *cache;
}

} // namespace

const type_plan* find_type_plan(type_id_t id) {
  return plans().find(id);
}

} // namespace ringactor::python
