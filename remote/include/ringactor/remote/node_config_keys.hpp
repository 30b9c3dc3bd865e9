// ringactor remote: a node's settings as keys of the TOML configuration
// (telemetry's config layer), in a build with telemetry:
//
//   [remote]
//   name = "node-a"                  # empty: no node is started from the file
//   listen_address = "127.0.0.1"
//   listen_port = 0                  # 0: any free port
//   transports = "tcp,self"          # UCX_TLS
//   net_devices = ""                 # UCX_NET_DEVICES ("lo": loopback only)
//   cluster_secret_env = "RINGACTOR_CLUSTER_SECRET"   # where the secret is
//   heartbeat_interval = "250ms"
//   heartbeat_timeout = "2s"
//   handshake_timeout = "3s"
//   spawn_allow = "adder,scorer"     # types peers may spawn here; empty: none
//   max_message_size = 67108864      # bytes of a message's buffers, together
//   buffer_backend = "automatic"     # arriving buffers: automatic, cpu, cuda
//   buffer_device = 0                # their CUDA device
//
//   auto schema = telemetry::runtime_schema();
//   remote::declare_remote_keys(schema);
//   auto cfg = telemetry::load_config("app.toml", argc, argv, schema).value();
//   auto ncfg = remote::node_config_from(cfg);   // expected<node_config>
//
// The secret is never a key of the file: it comes from the environment
// variable the file names, so a configuration can be shared or logged.
//
// Each key is set, in this order of precedence, by the command line
// (--remote.spawn_allow=adder), the environment (RINGACTOR_REMOTE__SPAWN_ALLOW),
// the file, or its default (telemetry/config_loader.hpp). spawn_allow is
// one string, comma-separated, so that all three can set it alike; a
// non-empty one wins over a topology node's `spawn` list when the node
// starts from a topology (node::start(sys, topology, name, defaults)).
#pragma once

#include <ringactor/expected.hpp>
#include <ringactor/telemetry/config.hpp>
#include <ringactor/telemetry/config_schema.hpp>

#include "ringactor/remote/node.hpp"

namespace ringactor::remote {

/// Declares the [remote] keys in `s`.
void declare_remote_keys(telemetry::config_schema& s);

/// The node settings of `cfg` (loaded with declare_remote_keys' keys), the
/// secret read from the environment variable remote.cluster_secret_env.
/// Errors: an empty remote.name, no (or an empty) secret variable, or an
/// empty name in remote.spawn_allow's list ("a,,b"), each naming the key.
expected<node_config> node_config_from(const telemetry::config& cfg);

} // namespace ringactor::remote
