// The topology file: TOML into a topology, every error naming its key path.
#include <fstream>
#include <sstream>
#include <string>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "ringactor/remote/topology.hpp"

namespace ringactor::remote {

namespace {

std::string_view type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a real number";
    case toml::node_type::boolean: return "a boolean";
    default: return "a date or time";
  }
}

/// Collects the first error; each check names the key path.
struct reader {
  std::string source;
  std::string first_error;

  bool fail(const std::string& path, const std::string& what) {
    if (first_error.empty())
      first_error = fmt::format("{}: {}: {}", source, path, what);
    return false;
  }

  bool string_of(const toml::node& n, const std::string& path, std::string& out) {
    auto s = n.as_string();
    if (s == nullptr)
      return fail(path, fmt::format("expected a string, found {}", type_name(n)));
    out = s->get();
    return true;
  }

  bool strings_of(const toml::node& n, const std::string& path, std::vector<std::string>& out) {
    auto a = n.as_array();
    if (a == nullptr)
      return fail(path, fmt::format("expected an array of strings, found {}", type_name(n)));
    for (std::size_t i = 0; i < a->size(); ++i) {
      std::string s;
      if (!string_of(*a->get(i), fmt::format("{}[{}]", path, i), s))
        return false;
      out.push_back(std::move(s));
    }
    return true;
  }

  bool node_of(const std::string& name, const toml::node& n, topology_node& out) {
    auto path = "nodes." + name;
    auto t = n.as_table();
    if (t == nullptr)
      return fail(path, fmt::format("expected a table, found {}", type_name(n)));
    out.name = name;
    bool has_port = false;
    for (auto& [k, v] : *t) {
      auto key = std::string{k.str()};
      auto at = path + "." + key;
      if (key == "address") {
        if (!string_of(v, at, out.address))
          return false;
      } else if (key == "port") {
        auto i = v.as_integer();
        if (i == nullptr)
          return fail(at, fmt::format("expected an integer, found {}", type_name(v)));
        if (i->get() < 1 || i->get() > 65535)
          return fail(at, fmt::format("{} is not a port (1..65535)", i->get()));
        out.port = static_cast<std::uint16_t>(i->get());
        has_port = true;
      } else if (key == "transports") {
        if (!string_of(v, at, out.transports))
          return false;
      } else if (key == "net_devices") {
        if (!string_of(v, at, out.net_devices))
          return false;
      } else if (key == "services") {
        if (!strings_of(v, at, out.services))
          return false;
      } else if (key == "spawn") {
        if (!strings_of(v, at, out.spawn))
          return false;
      } else {
        return fail(at, "unknown key (address, port, transports, net_devices, services, spawn)");
      }
    }
    if (!has_port)
      return fail(path + ".port", "missing (peers connect to it)");
    return true;
  }

  bool topology_of(const toml::table& root, topology& out) {
    for (auto& [k, v] : root) {
      auto key = std::string{k.str()};
      if (key == "cluster") {
        auto t = v.as_table();
        if (t == nullptr)
          return fail("cluster", fmt::format("expected a table, found {}", type_name(v)));
        for (auto& [ck, cv] : *t) {
          auto at = "cluster." + std::string{ck.str()};
          if (ck.str() != "secret_env")
            return fail(at, "unknown key (secret_env)");
          if (!string_of(cv, at, out.secret_env))
            return false;
        }
      } else if (key == "nodes") {
        auto t = v.as_table();
        if (t == nullptr)
          return fail("nodes", fmt::format("expected a table of nodes, found {}", type_name(v)));
        for (auto& [name, n] : *t) {
          topology_node x;
          if (!node_of(std::string{name.str()}, n, x))
            return false;
          out.nodes.push_back(std::move(x));
        }
      } else {
        return fail(key, "unknown key (cluster, nodes)");
      }
    }
    return true;
  }
};

} // namespace

expected<topology> parse_topology(std::string_view text, std::string_view source) {
  reader rd{std::string{source}, {}};
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    return error{sec::invalid_argument,
                 fmt::format("{}:{}:{}: TOML syntax error: {}", source, e.source().begin.line,
                             e.source().begin.column, e.description())};
  }
  topology out;
  if (!rd.topology_of(root, out))
    return error{sec::invalid_argument, rd.first_error};
  if (auto ok = out.validate(); !ok)
    return error{sec::invalid_argument, fmt::format("{}: {}", source, ok.error().context())};
  return out;
}

expected<topology> load_topology(const std::filesystem::path& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return error{sec::invalid_argument,
                 fmt::format("{}: cannot open the topology file", path.string())};
  std::stringstream buf;
  buf << in.rdbuf();
  return parse_topology(buf.str(), path.string());
}

} // namespace ringactor::remote
