// ringactor k2k (internal): a broker's routes (destination -> next hop, an
// endpoint of this broker that leads on: another broker) and the index from
// K2K addresses, which kernels send to, to the names of endpoints and route
// destinations. Changed by the broker's actor only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "endpoint_state.hpp"

namespace ringactor::k2k::detail {

class routing_table {
public:
  /// The next hop of the route to `destination`, or null.
  const std::string* next_hop(const std::string& destination) const {
    auto i = routes_.find(destination);
    return i != routes_.end() ? &i->second : nullptr;
  }

  /// Adds the route to `destination`, or replaces its next hop.
  void add(std::string destination, std::string next_hop) {
    routes_.insert_or_assign(std::move(destination), std::move(next_hop));
    names_stale_ = true;
  }

  /// Removes the route to `destination`; false if there was none.
  bool remove(const std::string& destination) {
    if (routes_.erase(destination) == 0)
      return false;
    names_stale_ = true;
    return true;
  }

  std::size_t size() const noexcept { return routes_.size(); }

  /// The broker's endpoints changed (one came or went): the address index
  /// is rebuilt on its next use.
  void endpoints_changed() noexcept { names_stale_ = true; }

  /// Another endpoint or route destination with the K2K address of `name`,
  /// or null. Kernels address endpoints by the hash of their names: two names
  /// with one address could not be told apart (an endpoint and a route of the
  /// same name are one destination).
  const std::string* name_with_address_of(const std::string& name,
                                          const endpoint_map& endpoints) const;

  /// The endpoint or route destination whose K2K address is `address`.
  const std::string* name_of(std::uint64_t address, const endpoint_map& endpoints);

private:
  std::unordered_map<std::string, std::string> routes_; // destination -> next hop
  /// K2K address -> endpoint or route destination, rebuilt when stale.
  std::unordered_map<std::uint64_t, std::string> names_;
  bool names_stale_ = true;
};

} // namespace ringactor::k2k::detail
