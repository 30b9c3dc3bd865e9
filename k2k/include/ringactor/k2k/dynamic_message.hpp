// ringactor k2k: dynamic_message (ringactor/dynamic_message.hpp) under the
// k2k namespace, where brokers use it.
#pragma once

#include "ringactor/dynamic_message.hpp"

namespace ringactor::k2k {

using ringactor::dynamic_message;

} // namespace ringactor::k2k
