#include "ringactor/schema.hpp"

#include <algorithm>

#include "ringactor/type_registry.hpp"
#include "ringactor/wire_error.hpp"

namespace ringactor::wire {

namespace {

// Schemas travel: a remote node or a Python module sends its own.
[[maybe_unused]] const bool
  schema_types_registered = register_type<field_schema>("ringactor.field_schema")
                            && register_type<enumerator_schema>("ringactor.enumerator_schema")
                            && register_type<type_schema>("ringactor.type_schema");

void canonical(const type_schema& x, std::string& out) {
  out += x.name;
  out += '{';
  for (auto& f : x.fields) {
    out += f.name;
    out += ':';
    out += f.type;
    out += ';';
  }
  out += '}';
  if (x.enumerators.empty())
    return; // types without enumerators keep the text (and digests) they always had
  out += '<';
  for (auto& e : x.enumerators) {
    out += e.name;
    out += '=';
    out += e.value;
    out += ';';
  }
  out += '>';
}

std::optional<schema_difference> compare_enumerators(const type_schema& a, const type_schema& b) {
  auto n = std::min(a.enumerators.size(), b.enumerators.size());
  for (std::size_t i = 0; i < n; ++i) {
    auto& x = a.enumerators[i];
    auto& y = b.enumerators[i];
    if (x.name != y.name)
      return schema_difference{
        a.name, x.name, fmt::format("enumerator {} is '{}' here, '{}' there", i, x.name, y.name),
        true};
    if (x.value != y.value)
      return schema_difference{a.name, x.name,
                               fmt::format("= {} here, = {} there", x.value, y.value), true};
  }
  if (a.enumerators.size() > n)
    return schema_difference{a.name, a.enumerators[n].name, "missing there", true};
  if (b.enumerators.size() > n)
    return schema_difference{a.name, b.enumerators[n].name, "missing here", true};
  return std::nullopt;
}

std::optional<schema_difference> compare_one(const type_schema& a, const type_schema& b) {
  if (a.name != b.name)
    return schema_difference{
      a.name, {}, fmt::format("named '{}' here, '{}' there", a.name, b.name)};
  auto n = std::min(a.fields.size(), b.fields.size());
  for (std::size_t i = 0; i < n; ++i) {
    auto& x = a.fields[i];
    auto& y = b.fields[i];
    if (x.name != y.name)
      return schema_difference{a.name, x.name,
                               fmt::format("field {} is '{}' here, '{}' there", i, x.name, y.name)};
    if (x.type != y.type)
      return schema_difference{a.name, x.name, fmt::format("{} here, {} there", x.type, y.type)};
  }
  if (a.fields.size() > n)
    return schema_difference{a.name, a.fields[n].name, "missing there"};
  if (b.fields.size() > n)
    return schema_difference{a.name, b.fields[n].name, "missing here"};
  return compare_enumerators(a, b);
}

const type_schema* find_nested(const type_schema& x, const std::string& name) {
  for (auto& y : x.nested)
    if (y.name == name)
      return &y;
  return nullptr;
}

} // namespace

std::string scalar_type_name(bool is_signed, bool is_float, std::size_t size) {
  if (is_float)
    return fmt::format("f{}", size * 8);
  return fmt::format("{}{}", is_signed ? 'i' : 'u', size * 8);
}

std::uint64_t digest_of(const type_schema& x) {
  std::string text;
  canonical(x, text);
  std::vector<const type_schema*> nested;
  for (auto& y : x.nested)
    nested.push_back(&y);
  std::sort(nested.begin(), nested.end(), [](auto* a, auto* b) { return a->name < b->name; });
  for (auto* y : nested)
    canonical(*y, text);
  return fnv1a64(text);
}

std::optional<schema_difference> compare_schemas(const type_schema& local,
                                                 const type_schema& remote) {
  if (auto d = compare_one(local, remote))
    return d;
  for (auto& x : local.nested) {
    auto* y = find_nested(remote, x.name);
    if (y == nullptr)
      return schema_difference{x.name, {}, "the type is missing there"};
    if (auto d = compare_one(x, *y))
      return d;
  }
  for (auto& y : remote.nested)
    if (find_nested(local, y.name) == nullptr)
      return schema_difference{y.name, {}, "the type is missing here"};
  return std::nullopt;
}

expected<void> check_schema(const type_schema& local, const type_schema& remote) {
  auto d = compare_schemas(local, remote);
  if (!d)
    return {};
  auto ctx = d->field.empty()
               ? fmt::format("{}: {}", d->type, d->what)
               : fmt::format("{}: {} '{}': {}", d->type, d->enumerator ? "enumerator" : "field",
                             d->field, d->what);
  if (local.name != d->type)
    ctx = fmt::format("{}: in nested type {}", local.name, ctx);
  return error{wire_errc::digest_mismatch, std::move(ctx)};
}

namespace detail {

void normalize(type_schema& x) {
  std::sort(x.nested.begin(), x.nested.end(),
            [](const type_schema& a, const type_schema& b) { return a.name < b.name; });
}

} // namespace detail

} // namespace ringactor::wire
