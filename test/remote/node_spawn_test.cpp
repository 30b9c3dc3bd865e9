// Remote spawn by registered name (remote/spawn_registry.hpp, node::spawn)
// across processes on 127.0.0.1: an allowed type spawned and used, every
// refusal named, and the lifetime rule: an actor a node spawned for a peer
// ends when that peer goes down (a clean stop, or kill -9).
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include <ringactor/all.hpp>
#include <ringactor/remote/node.hpp>
#if RINGACTOR_HAS_TELEMETRY
#  include <cstdlib>
#  include <vector>

#  include <ringactor/remote/node_config_keys.hpp>
#  include <ringactor/telemetry/config_loader.hpp>
#  include <ringactor/telemetry/runtime_schema.hpp>
#endif

#include "cluster_test_util.hpp"
#include "node_process.hpp"
#include "node_test_types.hpp"

using namespace ringactor;
using namespace node_test;
using namespace std::chrono_literals;

TEST_SUITE_BEGIN("remote");

TEST_CASE("a peer spawns an allowed registered type by name and gets a proxy that answers") {
  node_process b{{"node-b", cluster_secret, "--allow-spawn"}};
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto a = must_start(remote::node::start(sys, local_config()));
  auto adder = a->spawn<echo_if>(b.address(), "adder");
  REQUIRE_MESSAGE(adder.has_value(), (adder ? std::string{} : to_string(adder.error())));
  CHECK_EQ(ping_of(sys, actor_cast<actor>(*adder), 41).value().n, 41);
  // With an argument, by the node's name (connected now).
  auto offset = a->spawn<echo_if>("node-b", "offset_adder", adder_args{100});
  REQUIRE_MESSAGE(offset.has_value(), (offset ? std::string{} : to_string(offset.error())));
  CHECK_EQ(ping_of(sys, actor_cast<actor>(*offset), 1).value().n, 101);
  auto untyped = a->spawn(b.address(), "adder");
  REQUIRE(untyped.has_value());
  CHECK_EQ(ping_of(sys, *untyped, 2).value().n, 2);
  auto c = a->lookup(b.address(), "census");
  REQUIRE(c.has_value());
  auto now = census_of(sys, *c);
  CHECK_EQ(now.spawned, 3);
  CHECK_EQ(now.live, 3);
  SUBCASE("an exit sent to the proxy ends the spawned actor") {
    scoped_actor mon{sys};
    mon->monitor(*untyped);
    mon->send_exit(*untyped, exit_reason::kill);
    error reason;
    CHECK(mon->receive_for(5s, [&](down_msg& d) { reason = d.reason; }));
    CHECK_EQ(reason, exit_reason::kill);
    CHECK(test_eventually([&] { return census_of(sys, *c).live == 2; }));
  }
}

TEST_CASE("remote spawn is refused with an error naming why") {
  node_process open_b{{"node-b", cluster_secret, "--allow-spawn"}};
  node_process closed_c{{"node-c", cluster_secret}};
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto a = must_start(remote::node::start(sys, local_config()));
  auto off = a->spawn<echo_if>(closed_c.address(), "adder");
  REQUIRE_FALSE(off.has_value());
  CHECK_EQ(off.error(), remote::errc::spawn_not_allowed);
  CHECK_NE(to_string(off.error()).find("'adder'"), std::string::npos);
  auto unknown = a->spawn(open_b.address(), "unregistered_type");
  REQUIRE_FALSE(unknown.has_value());
  CHECK_EQ(unknown.error(), remote::errc::unknown_actor_type);
  CHECK_NE(to_string(unknown.error()).find("registered: adder, offset_adder"), std::string::npos);
  auto not_listed = a->spawn(open_b.address(), "echo");
  REQUIRE_FALSE(not_listed.has_value());
  CHECK_EQ(not_listed.error(), remote::errc::spawn_not_allowed);
  auto no_args = a->spawn(open_b.address(), "offset_adder");
  REQUIRE_FALSE(no_args.has_value());
  CHECK_EQ(no_args.error(), sec::invalid_argument);
  CHECK_NE(to_string(no_args.error()).find("node_test.adder_args"), std::string::npos);
  auto wrong_args = a->spawn(open_b.address(), "offset_adder", ping{1});
  REQUIRE_FALSE(wrong_args.has_value());
  CHECK_EQ(wrong_args.error(), sec::invalid_argument);
  auto c = a->lookup(open_b.address(), "census");
  REQUIRE(c.has_value());
  // A typed spawn whose interface differs is refused here, and the actor
  // spawned there is ended, not left behind.
  auto mismatch = a->spawn<slow_if>(open_b.address(), "adder");
  REQUIRE_FALSE(mismatch.has_value());
  CHECK_EQ(mismatch.error(), remote::errc::interface_mismatch);
  CHECK(test_eventually([&] {
    auto now = census_of(sys, *c);
    return now.spawned == 1 && now.live == 0;
  }));
  auto nowhere = a->spawn("node-z", "adder");
  REQUIRE_FALSE(nowhere.has_value());
  CHECK_EQ(nowhere.error(), remote::errc::unknown_node);
  CHECK_EQ(a->stats().actors_spawned, 0u);
}

TEST_CASE("an actor spawned for a node ends when that node stops") {
  node_process b{{"node-b", cluster_secret, "--allow-spawn"}};
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto observer = must_start(remote::node::start(sys, local_config("observer")));
  auto c = observer->lookup(b.address(), "census");
  REQUIRE(c.has_value());
  {
    auto a = must_start(remote::node::start(sys, local_config("node-a")));
    auto adder = a->spawn<echo_if>(b.address(), "adder");
    REQUIRE(adder.has_value());
    CHECK_EQ(census_of(sys, *c).live, 1);
  } // node-a stops: node-b sees it go
  CHECK(test_eventually([&] { return census_of(sys, *c).live == 0; }));
}

TEST_CASE("an actor spawned for a node that crashes (kill -9) ends, so nothing leaks") {
  node_process b{{"node-b", cluster_secret, "--allow-spawn"}};
  node_process client{{"client", cluster_secret, "--spawn-on", b.address()}};
  CHECK_EQ(client.read_line(), "spawned ok");
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto observer = must_start(remote::node::start(sys, local_config("observer")));
  auto c = observer->lookup(b.address(), "census");
  REQUIRE(c.has_value());
  auto before = census_of(sys, *c);
  CHECK_EQ(before.spawned, 1);
  CHECK_EQ(before.live, 1); // the client is alive: its actor is too
  client.kill9();
  CHECK(test_eventually([&] { return census_of(sys, *c).live == 0; }));
}

#if RINGACTOR_HAS_TELEMETRY

namespace {

/// remote.spawn_allow as node_config_from reads it from `file_text`,
/// `environment` and `args`; the error's text when it refuses.
std::string spawn_allow_from(const std::string& file_text, std::vector<std::string> environment,
                             std::vector<std::string> args) {
  temp_file file{"spawn_allow_keys", "[remote]\nname = \"node-a\"\n"
                                     "cluster_secret_env = \"SPAWN_ALLOW_TEST_SECRET\"\n"
                                       + file_text};
  auto schema = telemetry::runtime_schema();
  remote::declare_remote_keys(schema);
  telemetry::config_sources sources;
  sources.file = file.path();
  sources.environment = std::move(environment);
  sources.args = std::move(args);
  auto loaded = telemetry::load_config(sources, schema);
  REQUIRE_MESSAGE(loaded.has_value(), loaded.errors().to_string());
  ::setenv("SPAWN_ALLOW_TEST_SECRET", cluster_secret, 1);
  auto cfg = remote::node_config_from(*loaded);
  ::unsetenv("SPAWN_ALLOW_TEST_SECRET");
  if (!cfg)
    return "error: " + to_string(cfg.error());
  std::string out;
  for (auto& name : cfg->spawn_allow)
    out += (out.empty() ? "" : "|") + name;
  return out;
}

} // namespace

TEST_CASE("remote.spawn_allow is read from the command line over the environment over the file") {
  CHECK_EQ(spawn_allow_from("", {}, {}), ""); // the default: remote spawn off
  CHECK_EQ(spawn_allow_from("spawn_allow = \" adder , offset_adder,adder\"\n", {}, {}),
           "adder|offset_adder");
  CHECK_EQ(spawn_allow_from("spawn_allow = \"adder\"\n",
                            {"RINGACTOR_REMOTE__SPAWN_ALLOW=offset_adder"}, {}),
           "offset_adder");
  CHECK_EQ(spawn_allow_from("spawn_allow = \"adder\"\n",
                            {"RINGACTOR_REMOTE__SPAWN_ALLOW=offset_adder"},
                            {"--remote.spawn_allow=echo,adder"}),
           "echo|adder");
  auto refused = spawn_allow_from("spawn_allow = \"adder,,echo\"\n", {}, {});
  CHECK_NE(refused.find("error: "), std::string::npos);
  CHECK_NE(refused.find("remote.spawn_allow"), std::string::npos);
  CHECK_NE(refused.find("'adder,,echo'"), std::string::npos);
}

TEST_CASE("a node started from [remote] keys lets peers spawn its spawn_allow types only") {
  temp_file file{"spawn_allow_node", "[remote]\nname = \"node-b\"\nnet_devices = \"lo\"\n"
                                     "transports = \"tcp,self\"\n"
                                     "cluster_secret_env = \"REMOTE_NODE_PROCESS_SECRET\"\n"
                                     "heartbeat_interval = \"100ms\"\nheartbeat_timeout = \"1s\"\n"
                                     "spawn_allow = \"adder\"\n"};
  node_process b{{"node-b", cluster_secret, "--config", file.path().string()}};
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto a = must_start(remote::node::start(sys, local_config()));
  auto adder = a->spawn<echo_if>(b.address(), "adder");
  REQUIRE_MESSAGE(adder.has_value(), (adder ? std::string{} : to_string(adder.error())));
  CHECK_EQ(ping_of(sys, actor_cast<actor>(*adder), 7).value().n, 7);
  // Registered in node-b's spawn_registry, but not in the file's list.
  auto offset = a->spawn<echo_if>(b.address(), "offset_adder", adder_args{1});
  REQUIRE_FALSE(offset.has_value());
  CHECK_EQ(offset.error(), remote::errc::spawn_not_allowed);
  CHECK_NE(to_string(offset.error()).find("(allowed: adder)"), std::string::npos);
}

#endif

TEST_SUITE_END();
