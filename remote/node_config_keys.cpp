#include "ringactor/remote/node_config_keys.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include <ringactor/telemetry/config_value.hpp>

namespace ringactor::remote {

namespace {

using telemetry::duration;
using telemetry::value_range;

std::chrono::milliseconds millis(duration x) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(x);
}

/// The names of remote.spawn_allow: comma-separated, blanks around each
/// trimmed (a list is one string so that the environment and the command
/// line can set it as they set every other key). An empty name between
/// commas is a mistake, not "nothing": refused, naming the key.
expected<std::vector<std::string>> spawn_names(const std::string& list) {
  std::vector<std::string> out;
  auto blank = [](char c) { return c == ' ' || c == '\t'; };
  if (std::all_of(list.begin(), list.end(), blank))
    return out; // remote spawn off
  for (std::size_t begin = 0; begin <= list.size();) {
    auto end = std::min(list.find(',', begin), list.size());
    auto first = begin;
    auto last = end;
    while (first < last && blank(list[first]))
      ++first;
    while (last > first && blank(list[last - 1]))
      --last;
    if (first == last)
      return error{sec::invalid_argument,
                   "remote.spawn_allow: an empty type name in '" + list
                     + "' (a comma-separated list of registered type names)"};
    auto name = list.substr(first, last - first);
    if (std::find(out.begin(), out.end(), name) == out.end())
      out.push_back(std::move(name));
    begin = end + 1;
  }
  return out;
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
  s.declare<std::string>("remote.spawn_allow", "",
                         "types peers may spawn here, comma-separated registered names "
                         "(empty: remote spawn off; set, it wins over a topology node's list)");
  s.declare<std::int64_t>("remote.max_message_size", static_cast<std::int64_t>(d.max_message_size),
                          "bytes the buffers of one message may hold together (a larger one is "
                          "refused at the sender, naming the field)",
                          value_range<std::int64_t>{1, std::int64_t{1} << 40});
  s.declare_choice("remote.buffer_backend", "automatic", {"automatic", "cpu", "cuda"},
                   "where buffers of arriving messages are allocated (automatic: a CUDA device "
                   "when the build has the backend and a device exists, else host memory)");
  s.declare<std::int64_t>("remote.buffer_device", d.buffer_device,
                          "the CUDA device of arriving buffers (with the cuda backend)",
                          value_range<std::int64_t>{0, 1023});
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
  auto allow = spawn_names(cfg.get<std::string>("remote.spawn_allow"));
  if (!allow)
    return allow.error();
  out.spawn_allow = std::move(*allow);
  out.max_message_size = static_cast<std::size_t>(cfg.get<std::int64_t>("remote.max_message_size"));
  auto backend = cfg.get<std::string>("remote.buffer_backend");
  out.buffer_backend = backend == "cpu"    ? kernel_backend::cpu
                       : backend == "cuda" ? kernel_backend::cuda
                                           : kernel_backend::automatic;
  out.buffer_device = static_cast<int>(cfg.get<std::int64_t>("remote.buffer_device"));
  return out;
}

} // namespace ringactor::remote
