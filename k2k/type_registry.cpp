#include "ringactor/k2k/type_registry.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace ringactor::k2k {

namespace {

std::optional<routable_type> view(std::optional<type_entry> x) {
  if (!x || !x->routable)
    return std::nullopt;
  return routable_type{x->id,   std::move(x->name),   std::move(x->category), x->stable_id,
                       x->size, x->trivially_copyable};
}

std::vector<routable_type> view(std::vector<type_entry> xs) {
  std::vector<routable_type> out;
  for (auto& x : xs)
    if (auto y = view(std::move(x)))
      out.push_back(std::move(*y));
  return out;
}

ringactor::type_registry& one() {
  return ringactor::type_registry::global();
}

} // namespace

type_registry& type_registry::global() {
  static type_registry instance;
  return instance;
}

bool type_registry::add(routable_type x) {
  if (auto known = view(one().find(x.id)))
    return false;
  type_entry e;
  e.name = std::move(x.name);
  e.stable_id = wire::fnv1a64(e.name);
  e.id = x.id;
  e.size = x.size;
  e.trivially_copyable = x.trivially_copyable;
  e.category = std::move(x.category);
  e.routable = true;
  return one().add(std::move(e));
}

std::optional<routable_type> type_registry::find(type_id_t id) const {
  return view(one().find(id));
}

std::optional<routable_type> type_registry::find(std::string_view name) const {
  return view(one().find(name));
}

std::optional<routable_type> type_registry::find_stable(std::uint64_t stable_id) const {
  return view(one().find_stable(stable_id));
}

expected<routable_type> type_registry::require(type_id_t id) const {
  if (auto x = find(id))
    return std::move(*x);
  return error{errc::unregistered_type,
               id != nullptr ? std::string{id->name} : std::string{"(no type)"}};
}

std::vector<routable_type> type_registry::list() const {
  return view(one().list());
}

std::vector<routable_type> type_registry::list(std::string_view category) const {
  return view(one().list(category));
}

std::vector<std::string> type_registry::categories() const {
  std::vector<std::string> out;
  for (auto& x : list())
    if (std::find(out.begin(), out.end(), x.category) == out.end())
      out.push_back(x.category);
  std::sort(out.begin(), out.end());
  return out;
}

std::size_t type_registry::size() const {
  return list().size();
}

} // namespace ringactor::k2k
