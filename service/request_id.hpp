// ringactor service (internal, not installed): the request id every front
// gives a request, the HTTP session (X-Request-Id) and the gRPC front
// (ExecuteRequest.request_id, x-request-id) alike.
#pragma once

#include <string>
#include <string_view>

namespace ringactor::service::detail {

/// Whether a client's request id is usable: 1 to 128 of [A-Za-z0-9._:-]
/// (it is logged and echoed, so nothing that could forge a line or a
/// header).
bool usable_request_id(std::string_view id);

/// 32 random lowercase hex digits (a 128-bit id, as a trace id is).
std::string fresh_request_id();

} // namespace ringactor::service::detail
