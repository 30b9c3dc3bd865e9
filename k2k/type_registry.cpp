#include "ringactor/k2k/type_registry.hpp"

#include <algorithm>
#include <mutex>

#include <fmt/format.h>

#include "ringactor/logger.hpp"

namespace ringactor::k2k {

type_registry& type_registry::global() {
  // A function-local static: safe to use from other static initializers.
  static type_registry instance;
  return instance;
}

bool type_registry::add(routable_type x) {
  std::unique_lock guard{mtx_};
  if (by_id_.count(x.id) != 0)
    return false;
  auto clash = std::find_if(types_.begin(), types_.end(),
                            [&](const routable_type& y) { return y.stable_id == x.stable_id; });
  if (clash != types_.end()) {
    log_error("k2k: routable type {} has the same stable id as {}; it is not registered", x.name,
              clash->name);
    return false;
  }
  by_id_.emplace(x.id, types_.size());
  types_.push_back(std::move(x));
  return true;
}

std::optional<routable_type> type_registry::find(type_id_t id) const {
  std::shared_lock guard{mtx_};
  if (auto i = by_id_.find(id); i != by_id_.end())
    return types_[i->second];
  return std::nullopt;
}

std::optional<routable_type> type_registry::find(std::string_view name) const {
  std::shared_lock guard{mtx_};
  for (auto& x : types_)
    if (x.name == name)
      return x;
  return std::nullopt;
}

std::optional<routable_type> type_registry::find_stable(std::uint64_t stable_id) const {
  std::shared_lock guard{mtx_};
  for (auto& x : types_)
    if (x.stable_id == stable_id)
      return x;
  return std::nullopt;
}

expected<routable_type> type_registry::require(type_id_t id) const {
  if (auto x = find(id))
    return std::move(*x);
  return error{errc::unregistered_type,
               id != nullptr ? std::string{id->name} : std::string{"(no type)"}};
}

std::vector<routable_type> type_registry::list() const {
  std::shared_lock guard{mtx_};
  return types_;
}

std::vector<routable_type> type_registry::list(std::string_view category) const {
  std::shared_lock guard{mtx_};
  std::vector<routable_type> out;
  for (auto& x : types_)
    if (x.category == category)
      out.push_back(x);
  return out;
}

std::vector<std::string> type_registry::categories() const {
  std::shared_lock guard{mtx_};
  std::vector<std::string> out;
  for (auto& x : types_)
    if (std::find(out.begin(), out.end(), x.category) == out.end())
      out.push_back(x.category);
  std::sort(out.begin(), out.end());
  return out;
}

std::size_t type_registry::size() const {
  std::shared_lock guard{mtx_};
  return types_.size();
}

} // namespace ringactor::k2k
