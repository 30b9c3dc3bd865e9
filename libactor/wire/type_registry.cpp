#include "ringactor/type_registry.hpp"

#include <algorithm>
#include <mutex>

#include <fmt/format.h>

#include "ringactor/logger.hpp"

namespace ringactor {

type_registry& type_registry::global() {
  // A function-local static: safe to use from other static initializers.
  static type_registry instance;
  return instance;
}

bool type_registry::add(type_entry x) {
  std::unique_lock guard{mtx_};
  auto clash = [&](std::size_t other, std::string_view what) {
    log_error("wire: type {} has the same {} as {}; it is not registered under it", x.name, what,
              types_[other].name);
    return false;
  };
  auto i = by_id_.find(x.id);
  if (i == by_id_.end()) {
    if (auto j = by_name_.find(x.name); j != by_name_.end())
      return clash(j->second, "stable name");
    if (auto j = by_stable_.find(x.stable_id); j != by_stable_.end())
      return clash(j->second, "stable id");
    auto index = types_.size();
    by_id_.emplace(x.id, index);
    by_name_.emplace(x.name, index);
    by_stable_.emplace(x.stable_id, index);
    types_.push_back(std::move(x));
    return true;
  }
  // The type is known: merge what is new.
  auto& y = types_[i->second];
  bool changed = false;
  if (x.named && !y.named && x.name != y.name) {
    if (auto j = by_name_.find(x.name); j != by_name_.end())
      return clash(j->second, "stable name");
    if (auto j = by_stable_.find(x.stable_id); j != by_stable_.end())
      return clash(j->second, "stable id");
    by_name_.erase(y.name);
    by_stable_.erase(y.stable_id);
    y.name = std::move(x.name);
    y.stable_id = x.stable_id;
    y.named = true;
    by_name_.emplace(y.name, i->second);
    by_stable_.emplace(y.stable_id, i->second);
    changed = true;
  } else if (x.named && y.named && x.name != y.name) {
    log_error("wire: type {} is registered as {} already; the name {} is ignored", x.id->name,
              y.name, x.name);
  }
  if (x.routable && !y.routable) {
    y.routable = true;
    changed = true;
  }
  if (!x.category.empty() && y.category.empty()) {
    y.category = std::move(x.category);
    changed = true;
  }
  if (y.schema == nullptr && x.schema != nullptr) {
    y.schema = x.schema;
    y.digest = x.digest;
    y.binary = x.binary;
    changed = true;
  }
  return changed;
}

std::optional<type_entry> type_registry::find(type_id_t id) const {
  std::shared_lock guard{mtx_};
  if (auto i = by_id_.find(id); i != by_id_.end())
    return types_[i->second];
  return std::nullopt;
}

std::optional<type_entry> type_registry::find(std::string_view name) const {
  std::shared_lock guard{mtx_};
  if (auto i = by_name_.find(std::string{name}); i != by_name_.end())
    return types_[i->second];
  return std::nullopt;
}

std::optional<type_entry> type_registry::find_stable(std::uint64_t stable_id) const {
  std::shared_lock guard{mtx_};
  if (auto i = by_stable_.find(stable_id); i != by_stable_.end())
    return types_[i->second];
  return std::nullopt;
}

expected<type_entry> type_registry::require(std::string_view name) const {
  if (auto x = find(name))
    return std::move(*x);
  return error{wire_errc::unknown_type, fmt::format("no type is registered as '{}'", name)};
}

bool type_registry::set_json_codec(type_id_t id, json_codec codec) {
  std::unique_lock guard{mtx_};
  auto i = by_id_.find(id);
  if (i == by_id_.end())
    return false;
  types_[i->second].json = codec;
  return true;
}

std::vector<type_entry> type_registry::list() const {
  std::shared_lock guard{mtx_};
  return types_;
}

std::vector<type_entry> type_registry::list(std::string_view category) const {
  std::shared_lock guard{mtx_};
  std::vector<type_entry> out;
  for (auto& x : types_)
    if (x.category == category)
      out.push_back(x);
  return out;
}

std::vector<std::string> type_registry::categories() const {
  std::shared_lock guard{mtx_};
  std::vector<std::string> out;
  for (auto& x : types_)
    if (!x.category.empty() && std::find(out.begin(), out.end(), x.category) == out.end())
      out.push_back(x.category);
  std::sort(out.begin(), out.end());
  return out;
}

std::size_t type_registry::size() const {
  std::shared_lock guard{mtx_};
  return types_.size();
}

std::uint64_t type_registry::digest() const {
  std::vector<std::pair<std::string, std::uint64_t>> xs;
  {
    std::shared_lock guard{mtx_};
    for (auto& x : types_)
      if (x.schema != nullptr)
        xs.emplace_back(x.name, x.digest);
  }
  std::sort(xs.begin(), xs.end());
  auto h = wire::fnv1a64("ringactor.registry");
  for (auto& [name, digest] : xs)
    h = wire::fnv1a64(fmt::format("{}={:016x};", name, digest), h);
  return h;
}

// -- by name, through the registry ------------------------------------------------

expected<dynamic_message> from_bytes(std::string_view type_name, std::span<const std::byte> in,
                                     const wire_limits& limits) {
  auto x = type_registry::global().require(type_name);
  if (!x)
    return x.error();
  if (x->binary.load == nullptr)
    return wire::make_error(wire_errc::not_inspectable, x->name, {}, {},
                            "the type has no inspect function");
  return x->binary.load(in, limits);
}

expected<std::vector<std::byte>> to_bytes(const dynamic_message& msg, const wire_limits& limits) {
  if (!msg)
    return error{wire_errc::invalid_value, "an empty dynamic_message has no wire form"};
  auto x = type_registry::global().find(msg.type());
  if (!x)
    return error{wire_errc::unknown_type,
                 fmt::format("{} is not registered (RINGACTOR_TYPE)", msg.type()->name)};
  if (x->binary.save == nullptr)
    return wire::make_error(wire_errc::not_inspectable, x->name, {}, {},
                            "the type has no inspect function");
  std::vector<std::byte> out;
  if (auto r = x->binary.save(msg.data(), out, limits); !r)
    return r.error();
  return out;
}

} // namespace ringactor
