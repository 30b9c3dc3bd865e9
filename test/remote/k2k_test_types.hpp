// Message types of the remote K2K tests, registered the same way in the test
// binary and in k2k_node_process (their schema digests must match).
#pragma once

#include <cstdint>
#include <string>

#include <ringactor/k2k/type_registry.hpp>
#include <ringactor/type_registry.hpp>

namespace k2k_link_test {

/// What the tests route: numbered, so that receivers can log the order.
struct probe {
  std::int64_t seq = 0;
  std::string tag;
};
template <class Inspector>
bool inspect(Inspector& f, probe& x) {
  return f.object(x).fields(f.field("seq", x.seq), f.field("tag", x.tag));
}
RINGACTOR_TYPE(probe, "k2k_link_test.probe")
RINGACTOR_K2K_ROUTABLE(probe, "k2k_link_test")

/// Routable, but without a binary form: it cannot cross to another node.
struct local_only {
  std::int64_t value = 0;
};
RINGACTOR_K2K_ROUTABLE(local_only, "k2k_link_test")

} // namespace k2k_link_test
