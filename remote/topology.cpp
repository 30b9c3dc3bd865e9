// A topology's look-ups and its checks (the TOML parser is in
// topology_file.cpp).
#include "ringactor/remote/topology.hpp"

#include <map>
#include <set>

#include <fmt/format.h>

namespace ringactor::remote {

const topology_node* topology::find_node(std::string_view name) const noexcept {
  for (auto& n : nodes)
    if (n.name == name)
      return &n;
  return nullptr;
}

const topology_node* topology::host_of(std::string_view service) const noexcept {
  for (auto& n : nodes)
    for (auto& s : n.services)
      if (s == service)
        return &n;
  return nullptr;
}

expected<void> topology::validate() const {
  auto bad = [](std::string path, std::string what) -> expected<void> {
    return error{sec::invalid_argument, path + ": " + what};
  };
  if (nodes.empty())
    return bad("nodes", "a topology names at least one node");
  if (secret_env.empty())
    return bad("cluster.secret_env", "empty (name the variable that holds the cluster secret)");
  std::set<std::string, std::less<>> names;
  std::map<std::string, std::string, std::less<>> hosts; // service -> node
  for (auto& n : nodes) {
    auto path = "nodes." + n.name;
    if (n.name.empty())
      return bad("nodes", "a node with an empty name");
    if (!names.insert(n.name).second)
      return bad(path, "two nodes of this name");
    if (n.address.empty())
      return bad(path + ".address", "empty");
    if (n.port == 0)
      return bad(path + ".port", "0 is not a port peers can connect to (1..65535)");
    if (n.transports.empty())
      return bad(path + ".transports", "empty (UCX_TLS, e.g. \"tcp,self\")");
    for (auto& s : n.services) {
      if (s.empty())
        return bad(path + ".services", "an empty service name");
      auto [i, fresh] = hosts.emplace(s, n.name);
      if (!fresh)
        return bad(path + ".services",
                   fmt::format("'{}' is hosted by node {} already (a service has one host)", s,
                               i->second));
    }
    for (auto& t : n.spawn)
      if (t.empty())
        return bad(path + ".spawn", "an empty type name");
  }
  return {};
}

} // namespace ringactor::remote
