// The outside program's kernel and its interface, in a header that includes
// only device-facing headers (docs/device-headers.md), as nvcc would need.
#pragma once

#include <cstdint>

#include <ringactor/gpu/device.hpp>
#include <ringactor/gpu/message_list.hpp>
#include <ringactor/typed_actor_fwd.hpp>

namespace outside {

struct twice {
  std::int32_t value;
};

using doubler_actor = ringactor::typed_actor<ringactor::result<std::int32_t>(twice)>;

struct doubler {
  using inputs = ringactor::message_list<twice>;

  template <class Ctx>
  RINGACTOR_DEVICE std::int32_t handle(Ctx&, const twice& m) const {
    return 2 * m.value;
  }
};

} // namespace outside
