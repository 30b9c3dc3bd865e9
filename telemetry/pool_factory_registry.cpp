// ringactor telemetry: pools from their configuration by registered name.
#include "ringactor/telemetry/pool_factory_registry.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include <ringactor/anon_send.hpp>

#include "ringactor/telemetry/config_schema.hpp"

namespace ringactor::telemetry {

namespace {

std::string_view kind_name(worker_kind k) {
  return k == worker_kind::kernel ? "kernel" : "actor";
}

void add_to(std::map<std::string, pool_factory_registry::factory, std::less<>>& map,
            std::string name, pool_factory_registry::factory f, worker_kind kind) {
  if (!f)
    throw std::invalid_argument(fmt::format("pool factory for {} \"{}\": the factory is empty",
                                            kind_name(kind), name));
  if (map.contains(name))
    throw std::invalid_argument(fmt::format("pool factory for {} \"{}\" is registered twice",
                                            kind_name(kind), name));
  map.emplace(std::move(name), std::move(f));
}

} // namespace

void pool_factory_registry::add_kernel(std::string name, factory f) {
  add_to(kernels_, std::move(name), std::move(f), worker_kind::kernel);
}

void pool_factory_registry::add_actor(std::string name, factory f) {
  add_to(actors_, std::move(name), std::move(f), worker_kind::actor);
}

bool pool_factory_registry::contains(worker_kind kind, std::string_view name) const {
  return factories(kind).contains(name);
}

error pool_factory_registry::unknown_type(const pool_spec& spec) const {
  auto kind = kind_name(spec.kind);
  auto msg = fmt::format("pool \"{}\": no pool factory is registered for {} \"{}\"", spec.name,
                         kind, spec.type_name);
  std::vector<std::string> names;
  for (const auto& [name, f] : factories(spec.kind))
    names.push_back(name);
  if (auto s = suggest_name(spec.type_name, names))
    msg += fmt::format("; did you mean \"{}\"?", *s);
  else if (factories(spec.kind).empty())
    msg += fmt::format(" (no {} factories are registered)", kind);
  return error{sec::invalid_argument, std::move(msg)};
}

expected<actor> pool_factory_registry::spawn(actor_system& sys, const pool_spec& spec) const {
  const auto& map = factories(spec.kind);
  auto i = map.find(spec.type_name);
  if (i == map.end())
    return unknown_type(spec);
  return i->second(sys, spec);
}

expected<std::map<std::string, actor, std::less<>>>
pool_factory_registry::spawn_all(actor_system& sys, const std::vector<pool_spec>& specs) const {
  for (const auto& spec : specs)
    if (!contains(spec.kind, spec.type_name))
      return unknown_type(spec);
  std::map<std::string, actor, std::less<>> out;
  for (const auto& spec : specs) {
    auto a = spawn(sys, spec);
    if (!a) {
      for (auto& [name, h] : out)
        anon_send_exit(h, exit_reason::user_shutdown);
      return error{a.error().code(),
                   fmt::format("pool \"{}\": {}", spec.name,
                               a.error().context().empty() ? a.error().message()
                                                           : std::string{a.error().context()})};
    }
    out.emplace(spec.name, std::move(*a));
  }
  return out;
}

} // namespace ringactor::telemetry
