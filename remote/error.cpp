#include "ringactor/remote/error.hpp"

#include <string>

#include <ringactor/wire_error.hpp>

namespace ringactor::remote {

namespace {

class category final : public std::error_category {
public:
  const char* name() const noexcept override { return "remote"; }
  std::string message(int x) const override {
    switch (static_cast<errc>(x)) {
      case errc::node_down: return "the node hosting the actor is down";
      case errc::handshake_failed: return "the peer failed the handshake";
      case errc::unknown_service: return "no actor is published under that name";
      case errc::not_serializable:
        return "the message type cannot cross nodes (no stable name or binary form)";
      case errc::interface_mismatch: return "the published actor has another interface";
      case errc::lookup_timeout: return "no answer from the node in time";
      case errc::node_stopped: return "the local node is stopped";
      case errc::malformed_frame: return "a frame from the peer could not be decoded";
      case errc::unknown_node: return "no such node (not connected, not in the topology)";
      case errc::spawn_not_allowed: return "the node does not allow peers to spawn that type";
      case errc::unknown_actor_type: return "the node has no spawnable type of that name";
    }
    return "unknown remote error";
  }
};

} // namespace

const std::error_category& remote_category() noexcept {
  static const category instance;
  // Known by name, so that an error of this category decodes on the other node.
  [[maybe_unused]] static const bool registered = wire::register_error_category(instance);
  return instance;
}

} // namespace ringactor::remote
