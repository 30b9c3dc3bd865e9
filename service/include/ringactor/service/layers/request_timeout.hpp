// ringactor service: the request-timeout layer. When the layers and the
// handler after it have not answered within `limit`, it answers 504
// {"error":"timeout"} in their place and fires the request's cancellation
// (cancel_reason::timeout), so that the handler can stop the work; their
// answer, if it comes later, is dropped.
#pragma once

#include <chrono>

#include "ringactor/service/middleware.hpp"

namespace ringactor::service {

/// A request-timeout layer (above). Its deadlines run on one timer thread
/// of its own, which ends when the last copy of the layer goes.
layer request_timeout(std::chrono::milliseconds limit);

} // namespace ringactor::service
