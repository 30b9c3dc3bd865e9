// ringactor remote: a topology, the nodes of a cluster (name, address,
// port, transports), the services each hosts, and the types each lets
// peers spawn. One file describes the cluster; every node starts from it by
// its own name, and a lookup by service name alone finds the node:
//
//   # cluster.toml
//   [cluster]
//   secret_env = "RINGACTOR_CLUSTER_SECRET"
//   [nodes.node-a]
//   address = "127.0.0.1"
//   port = 4711
//   [nodes.node-b]
//   address = "127.0.0.1"
//   port = 4712
//   services = ["scorer"]
//   spawn = ["adder"]
//
//   auto topo = remote::load_topology("cluster.toml");  // expected<topology>
//   auto a = remote::node::start(sys, *topo, "node-a");
//   auto s = (*a)->lookup("scorer");   // connects to node-b on demand
//
// remote/topology.example.toml lists every key.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <ringactor/expected.hpp>

namespace ringactor::remote {

/// One node of a topology.
struct topology_node {
  /// The node's name (the key of its [nodes.NAME] table); unique.
  std::string name;
  /// Where it listens: an IP address and a port (1..65535; peers connect
  /// there, so it is never 0).
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;
  /// UCX_TLS and UCX_NET_DEVICES of its transport.
  std::string transports = "tcp,self";
  std::string net_devices;
  /// The service names it publishes; a service is hosted by one node.
  std::vector<std::string> services;
  /// The spawnable types (spawn_registry) peers may spawn on it; empty:
  /// none (remote spawn is off by default).
  std::vector<std::string> spawn;

  /// "address:port", as node::lookup takes it.
  std::string endpoint() const { return address + ":" + std::to_string(port); }
};

/// The cluster: its nodes and where its cluster secret comes from.
struct topology {
  std::vector<topology_node> nodes;
  /// The environment variable that holds the cluster secret (the secret is
  /// never written in the file).
  std::string secret_env = "RINGACTOR_CLUSTER_SECRET";

  /// The node named `name`, or nullptr.
  const topology_node* find_node(std::string_view name) const noexcept;

  /// The node that hosts `service`, or nullptr.
  const topology_node* host_of(std::string_view service) const noexcept;

  /// Checks what the parser checks (for a topology built in code): at
  /// least one node, unique non-empty names, ports in 1..65535, each
  /// service hosted once. Errors (sec::invalid_argument) name the key path.
  expected<void> validate() const;
};

#if RINGACTOR_HAS_TELEMETRY
// The parser is built where toml++ is (the builds with the telemetry layer).

/// Parses a topology from TOML text. `source` names the text in errors.
/// Every error is sec::invalid_argument naming the key path and what is
/// wrong ("nodes.node-b.port: 70000 is not a port (1..65535)", "nodes.node-b.
/// colour: unknown key"); a TOML syntax error names the line and column.
expected<topology> parse_topology(std::string_view text, std::string_view source = "topology");

/// Reads and parses the topology file at `path`.
expected<topology> load_topology(const std::filesystem::path& path);
#endif

} // namespace ringactor::remote
