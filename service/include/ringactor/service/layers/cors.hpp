// ringactor service: the CORS layer. A request from an allowed Origin gets
// Access-Control-Allow-Origin (the origin itself, or "*" when every origin
// is allowed) and Access-Control-Expose-Headers; a preflight (OPTIONS with
// Origin and Access-Control-Request-Method) from an allowed origin is
// answered 204 with Access-Control-Allow-Methods, -Headers and -Max-Age and
// goes no further. A request from another origin passes on without any
// CORS header (the browser then refuses it). Responses say Vary: Origin
// unless every origin is allowed.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "ringactor/service/middleware.hpp"

namespace ringactor::service {

struct cors_options {
  /// Allowed origins ("https://app.example"), or {"*"} for every origin.
  std::vector<std::string> origins;
  std::string methods = "GET, POST, PUT, DELETE, OPTIONS";
  std::string headers = "Authorization, Content-Type, X-Request-Id, traceparent";
  std::chrono::seconds max_age{600};
};

/// A CORS layer (above).
layer cors(cors_options options);

} // namespace ringactor::service
