// ringactor remote: the errors of the remote layer (category "remote").
//
//   if (!r && r.error() == remote::errc::node_down) ...
#pragma once

#include <system_error>

#include <ringactor/error.hpp>

namespace ringactor::remote {

enum class errc : int {
  node_down = 1,      ///< the node hosting the actor failed, left, or went silent
  handshake_failed,   ///< a peer did not pass the handshake (secret, digest, version)
  unknown_service,    ///< no actor is published under that name on the node
  not_serializable,   ///< the message's type has no stable name or no binary form
  interface_mismatch, ///< the published actor has another interface than the lookup's
  lookup_timeout,     ///< a connect or lookup got no answer in time
  node_stopped,       ///< the local node is shutting down
  malformed_frame,    ///< a frame from a peer could not be decoded
  // -- topology and remote spawn (topology.hpp, spawn_registry.hpp) --
  unknown_node,       ///< neither a connected node nor one the topology names
  spawn_not_allowed,  ///< the node does not let peers spawn that type (spawn_allow)
  unknown_actor_type, ///< the node has no spawnable type of that name
};

const std::error_category& remote_category() noexcept;

inline std::error_code make_error_code(errc x) noexcept {
  return {static_cast<int>(x), remote_category()};
}

} // namespace ringactor::remote

template <>
struct std::is_error_code_enum<ringactor::remote::errc> : std::true_type {};
