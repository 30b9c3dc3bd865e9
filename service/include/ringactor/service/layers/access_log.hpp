// ringactor service: the access-log layer. Writes one line per request
// through the logger (log_info; RINGACTOR_LOG=info or system.log_level
// shows it, RINGACTOR_LOG_FORMAT=json makes it a JSON line) once its answer
// is known:
//
//   access GET /kernels 200 1.042ms 118B client=127.0.0.1 request_id=4f1c... trace_id=4bf9...
//
// trace_id is the trace of the request's traceparent header ("-" without a
// valid one). Put it first among the layers: it then also logs the
// requests the other layers refuse.
#pragma once

#include <string>
#include <string_view>

#include "ringactor/service/middleware.hpp"

namespace ringactor::service {

/// The trace id (32 lowercase hex digits) of a W3C traceparent value
/// ("00-<trace id>-<span id>-<flags>"); empty if it is not a valid one.
std::string trace_id_of(std::string_view traceparent);

/// An access-log layer (above).
layer access_log();

} // namespace ringactor::service
