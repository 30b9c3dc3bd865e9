#include "routing_table.hpp"

#include "ringactor/gpu/k2k_port.hpp"

namespace ringactor::k2k::detail {

const std::string* routing_table::name_with_address_of(const std::string& name,
                                                       const endpoint_map& endpoints) const {
  auto address = k2k_address(name);
  for (auto& [id, ep] : endpoints)
    if (id != name && k2k_address(id) == address)
      return &id;
  for (auto& [destination, next_hop] : routes_)
    if (destination != name && k2k_address(destination) == address)
      return &destination;
  return nullptr;
}

const std::string* routing_table::name_of(std::uint64_t address, const endpoint_map& endpoints) {
  if (names_stale_) {
    names_.clear();
    for (auto& [id, ep] : endpoints)
      names_.emplace(k2k_address(id), id);
    for (auto& [destination, next_hop] : routes_)
      names_.emplace(k2k_address(destination), destination);
    names_stale_ = false;
  }
  auto i = names_.find(address);
  return i != names_.end() ? &i->second : nullptr;
}

} // namespace ringactor::k2k::detail
