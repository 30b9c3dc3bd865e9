// ringactor telemetry: building the pools a configuration names. A file
// says `[pools.db] kernel = "adder"`; the application says what "adder"
// means by registering a factory under that name.
//
//   telemetry::pool_factory_registry reg;
//   reg.add_actor("adder", [](actor_system& sys, const telemetry::pool_spec& spec)
//                            -> expected<actor> {
//     return actor_cast<actor>(sys.spawn(spec.to_pool<adder>(
//       [](actor_system& s) { return s.spawn(adder_impl); })));
//   });
//   auto pools = reg.spawn_all(sys, cfg->pools); // name -> actor, or an error
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <ringactor/actor.hpp>
#include <ringactor/actor_system.hpp>
#include <ringactor/expected.hpp>

#include "ringactor/telemetry/pool_spec.hpp"

namespace ringactor::telemetry {

class pool_factory_registry {
public:
  /// Spawns the pool `spec` describes (spec.to_pool helps) and returns its
  /// handle, or an error.
  using factory = std::function<expected<actor>(actor_system&, const pool_spec&)>;

  /// Registers the factory of pools whose workers are kernels named `name`
  /// (pools.<pool>.kernel = "<name>"). Throws std::invalid_argument when
  /// the name is taken or the factory is empty.
  void add_kernel(std::string name, factory f);

  /// Registers the factory of pools whose workers are host actors named
  /// `name` (pools.<pool>.actor = "<name>").
  void add_actor(std::string name, factory f);

  bool contains(worker_kind kind, std::string_view name) const;

  /// Spawns one pool. Fails with sec::invalid_argument when no factory is
  /// registered for the spec's kind and type name (the message names the
  /// pool, the type, and a registered name that is close, if any), and
  /// with the factory's error when it fails.
  expected<actor> spawn(actor_system& sys, const pool_spec& spec) const;

  /// Spawns every pool, or none: it checks every spec's type first, and
  /// when a factory fails it stops the pools it already spawned
  /// (exit_reason::user_shutdown) before it returns the error.
  expected<std::map<std::string, actor, std::less<>>>
  spawn_all(actor_system& sys, const std::vector<pool_spec>& specs) const;

private:
  using factory_map = std::map<std::string, factory, std::less<>>;

  const factory_map& factories(worker_kind kind) const noexcept {
    return kind == worker_kind::kernel ? kernels_ : actors_;
  }
  error unknown_type(const pool_spec& spec) const;

  factory_map kernels_;
  factory_map actors_;
};

} // namespace ringactor::telemetry
