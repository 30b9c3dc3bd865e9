#include "ringactor/remote/node_config_keys.hpp"

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <ringactor/telemetry/config_value.hpp>

namespace ringactor::remote {

namespace {

using telemetry::duration;
using telemetry::value_range;

std::chrono::milliseconds millis(duration x) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(x);
}

} // namespace

void declare_remote_keys(telemetry::config_schema& s) {
  node_config d;
  s.declare<std::string>("remote.name", "",
                         "this node's name as peers see it (empty: no node from the file)");
  s.declare<std::string>("remote.listen_address", d.listen_address,
                         "IP address the node listens on (loopback unless told otherwise)");
  s.declare<std::int64_t>("remote.listen_port", d.listen_port, "port (0: any free port)",
                          value_range<std::int64_t>{0, 65535});
  s.declare<std::string>("remote.transports", d.transports,
                         "UCX transports (UCX_TLS), e.g. tcp,self");
  s.declare<std::string>("remote.net_devices", d.net_devices,
                         "UCX network devices (UCX_NET_DEVICES), e.g. lo; empty: all");
  s.declare<std::string>("remote.cluster_secret_env", "RINGACTOR_CLUSTER_SECRET",
                         "the environment variable that holds the shared cluster secret");
  s.declare<duration>("remote.heartbeat_interval", duration{d.heartbeat_interval},
                      "how often a heartbeat goes to every peer",
                      value_range<duration>{std::chrono::milliseconds{1}, {}});
  s.declare<duration>("remote.heartbeat_timeout", duration{d.heartbeat_timeout},
                      "a peer silent this long is down (node_down)",
                      value_range<duration>{std::chrono::milliseconds{1}, {}});
  s.declare<duration>("remote.handshake_timeout", duration{d.handshake_timeout},
                      "a peer that has not passed the handshake this long is dropped",
                      value_range<duration>{std::chrono::milliseconds{1}, {}});
}

expected<node_config> node_config_from(const telemetry::config& cfg) {
  node_config out;
  out.name = cfg.get<std::string>("remote.name");
  if (out.name.empty())
    return error{sec::invalid_argument, "remote.name: a node needs a name"};
  out.listen_address = cfg.get<std::string>("remote.listen_address");
  out.listen_port = static_cast<std::uint16_t>(cfg.get<std::int64_t>("remote.listen_port"));
  out.transports = cfg.get<std::string>("remote.transports");
  out.net_devices = cfg.get<std::string>("remote.net_devices");
  auto var = cfg.get<std::string>("remote.cluster_secret_env");
  const char* secret = var.empty() ? nullptr : std::getenv(var.c_str());
  if (secret == nullptr || *secret == '\0')
    return error{sec::invalid_argument, "remote.cluster_secret_env: the environment variable '"
                                          + var + "' holds no cluster secret"};
  out.cluster_secret = secret;
  out.heartbeat_interval = millis(cfg.get<duration>("remote.heartbeat_interval"));
  out.heartbeat_timeout = millis(cfg.get<duration>("remote.heartbeat_timeout"));
  out.handshake_timeout = millis(cfg.get<duration>("remote.handshake_timeout"));
  return out;
}

} // namespace ringactor::remote
