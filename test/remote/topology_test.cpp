// Topology files (remote/topology.hpp): the example file, errors naming the
// key path, a node started from a topology by its name, and lookups by
// service name alone that connect on demand, across processes on 127.0.0.1.
#include <doctest/doctest.h>

#if RINGACTOR_HAS_TELEMETRY

#  include <chrono>
#  include <string>
#  include <utility>
#  include <vector>

#  include <ringactor/all.hpp>
#  include <ringactor/remote/node.hpp>
#  include <ringactor/remote/topology.hpp>

#  include "cluster_test_util.hpp"
#  include "node_process.hpp"
#  include "node_test_types.hpp"

using namespace ringactor;
using namespace node_test;
using namespace std::chrono_literals;

namespace {

/// A topology of node-a (this process, hosting "local_echo"), node-b (a
/// process, hosting echo, typed_echo and census) and node-c (listed, never
/// started, hosting "ghost").
std::string three_nodes(std::uint16_t a, std::uint16_t b, std::uint16_t c) {
  return "[cluster]\nsecret_env = \"TOPOLOGY_TEST_SECRET\"\n"
         "[nodes.node-a]\nport = "
         + std::to_string(a)
         + "\nnet_devices = \"lo\"\nservices = [\"local_echo\"]\n"
           "[nodes.node-b]\nport = "
         + std::to_string(b)
         + "\nnet_devices = \"lo\"\nservices = [\"echo\", \"typed_echo\", \"census\"]\n"
           "[nodes.node-c]\nport = "
         + std::to_string(c) + "\nnet_devices = \"lo\"\nservices = [\"ghost\"]\n";
}

} // namespace

TEST_SUITE_BEGIN("remote");

TEST_CASE("the example topology file parses and names each service's host") {
  auto topo = remote::load_topology(RINGACTOR_TOPOLOGY_EXAMPLE);
  REQUIRE_MESSAGE(topo.has_value(), (topo ? std::string{} : to_string(topo.error())));
  CHECK_EQ(topo->nodes.size(), 3u);
  CHECK_EQ(topo->secret_env, "RINGACTOR_CLUSTER_SECRET");
  auto scorer = topo->host_of("scorer");
  REQUIRE(scorer != nullptr);
  CHECK_EQ(scorer->name, "node-b");
  CHECK_EQ(scorer->endpoint(), "127.0.0.1:4712");
  CHECK_EQ(scorer->spawn, std::vector<std::string>{"adder"});
  CHECK_EQ(topo->host_of("gateway")->name, "frontend");
  CHECK_EQ(topo->find_node("frontend")->transports, "tcp,self");
  CHECK(topo->find_node("node-c")->services.empty());
  CHECK(topo->host_of("nobody") == nullptr);
}

TEST_CASE("a bad topology is refused with an error naming the key path") {
  struct bad_case {
    std::string text;
    std::string says;
  };
  std::vector<bad_case> cases{
    {"[nodes.b]\nport = 70000\n", "nodes.b.port: 70000 is not a port"},
    {"[nodes.b]\nport = \"4711\"\n", "nodes.b.port: expected an integer, found a string"},
    {"[nodes.b]\naddress = \"127.0.0.1\"\n", "nodes.b.port: missing"},
    {"[nodes.b]\nport = 1\ncolour = \"red\"\n", "nodes.b.colour: unknown key"},
    {"[nodes.b]\nport = 1\nservices = \"echo\"\n", "nodes.b.services: expected an array"},
    {"[nodes.b]\nport = 1\nspawn = [\"adder\", 3]\n", "nodes.b.spawn[1]: expected a string"},
    {"[nodes.a]\nport = 1\nservices = [\"s\"]\n[nodes.b]\nport = 2\nservices = [\"s\"]\n",
     "nodes.b.services: 's' is hosted by node a already"},
    {"[cluster]\nsecret = \"x\"\n[nodes.b]\nport = 1\n", "cluster.secret: unknown key"},
    {"[clusterr]\n", "clusterr: unknown key"},
    {"[cluster]\n", "nodes: a topology names at least one node"},
    {"nodes = 3\n", "nodes: expected a table of nodes, found an integer"},
    {"[nodes.b\nport = 1\n", "topology.toml:1:"},
  };
  for (auto& c : cases) {
    INFO(c.text);
    auto topo = remote::parse_topology(c.text, "topology.toml");
    REQUIRE_FALSE(topo.has_value());
    CHECK_EQ(topo.error(), sec::invalid_argument);
    CHECK_MESSAGE(to_string(topo.error()).find(c.says) != std::string::npos,
                  to_string(topo.error()));
  }
  SUBCASE("a topology made in code is checked the same way") {
    remote::topology t;
    remote::topology_node b;
    b.name = "b";
    t.nodes.push_back(b);
    auto ok = t.validate();
    REQUIRE_FALSE(ok.has_value());
    CHECK_NE(to_string(ok.error()).find("nodes.b.port"), std::string::npos);
  }
}

TEST_CASE("nodes start from one topology file by name, and lookup by service name alone "
          "connects on demand") {
  temp_file file{"topology_test", three_nodes(free_port(), free_port(), free_port())};
  node_process b{{"node-b", cluster_secret, "--topology", file.path().string()}};
  auto topo = remote::load_topology(file.path());
  REQUIRE(topo.has_value());
  CHECK_EQ(b.port(), topo->find_node("node-b")->port);
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto a = must_start(remote::node::start(sys, *topo, "node-a", local_config()));
  CHECK_EQ(a->port(), topo->find_node("node-a")->port);
  // Not connected to node-b yet: the topology says where it is.
  auto echo = a->lookup("echo");
  REQUIRE_MESSAGE(echo.has_value(), (echo ? std::string{} : to_string(echo.error())));
  CHECK_EQ(ping_of(sys, *echo, 5).value().n, 5);
  auto typed = a->lookup<echo_if>("typed_echo");
  REQUIRE(typed.has_value());
  CHECK_EQ(ping_of(sys, actor_cast<actor>(*typed), 6).value().n, 6);
  CHECK_EQ(a->lookup<slow_if>("typed_echo").error(), remote::errc::interface_mismatch);
  // A node of the topology by name, and a service this node hosts itself.
  CHECK(a->lookup("node-b", "census").has_value());
  auto local = sys.spawn([]() -> behavior { return {[](ping p) { return ping{p.n * 2}; }}; });
  a->publish(local, "local_echo");
  auto mine = a->lookup("local_echo");
  REQUIRE(mine.has_value());
  CHECK_EQ(mine->id(), local.id());
  CHECK_EQ(a->stats().peers_authenticated, 1u);
  SUBCASE("a service no node hosts is unknown_service") {
    auto none = a->lookup("nobody");
    REQUIRE_FALSE(none.has_value());
    CHECK_EQ(none.error(), remote::errc::unknown_service);
    CHECK_NE(to_string(none.error()).find("'nobody'"), std::string::npos);
  }
  SUBCASE("a node the topology does not name is unknown_node") {
    auto none = a->lookup("node-z", "echo");
    REQUIRE_FALSE(none.has_value());
    CHECK_EQ(none.error(), remote::errc::unknown_node);
    CHECK_NE(to_string(none.error()).find("node-z"), std::string::npos);
  }
  SUBCASE("a service on a node that is not running is an error in bounded time, not a hang") {
    auto start = std::chrono::steady_clock::now();
    auto ghost = a->lookup("ghost", 3s);
    REQUIRE_FALSE(ghost.has_value());
    CHECK_LE(std::chrono::steady_clock::now() - start, 4s);
    CHECK_MESSAGE((ghost.error() == remote::errc::handshake_failed
                   || ghost.error() == remote::errc::lookup_timeout
                   || ghost.error() == remote::errc::node_down),
                  to_string(ghost.error()));
  }
  anon_send_exit(local, exit_reason::user_shutdown);
}

TEST_CASE("a node name the topology does not list, or a missing secret, fails the start") {
  temp_file file{"topology_test", three_nodes(free_port(), free_port(), free_port())};
  auto topo = remote::load_topology(file.path());
  REQUIRE(topo.has_value());
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto unknown = remote::node::start(sys, *topo, "node-x", local_config("node-x"));
  REQUIRE_FALSE(unknown.has_value());
  CHECK_EQ(unknown.error(), remote::errc::unknown_node);
  CHECK_NE(to_string(unknown.error()).find("node-a, node-b, node-c"), std::string::npos);
  ::unsetenv("TOPOLOGY_TEST_SECRET");
  auto cfg = local_config();
  cfg.cluster_secret.clear();
  auto no_secret = remote::node::start(sys, *topo, "node-a", cfg);
  REQUIRE_FALSE(no_secret.has_value());
  CHECK_NE(to_string(no_secret.error()).find("TOPOLOGY_TEST_SECRET"), std::string::npos);
  ::setenv("TOPOLOGY_TEST_SECRET", cluster_secret, 1);
  auto from_env = remote::node::start(sys, *topo, "node-a", cfg);
  ::unsetenv("TOPOLOGY_TEST_SECRET");
  CHECK_MESSAGE(from_env.has_value(), (from_env ? std::string{} : to_string(from_env.error())));
}

TEST_SUITE_END();

#endif
