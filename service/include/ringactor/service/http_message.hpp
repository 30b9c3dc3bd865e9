// ringactor service: an HTTP request as a route handler sees it, and a
// handler's response.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ringactor::service {

class cancellation;

/// What a route handler sees of a request.
struct http_request {
  std::string method; ///< "GET", "POST", ...
  std::string path;   ///< the target before any '?'
  std::string query;  ///< the target after the '?' (empty if none)
  std::string body;
  /// Header fields in arrival order (names as sent).
  std::vector<std::pair<std::string, std::string>> headers;
  /// The values of the route pattern's parameters: for "/kernels/{id}" and
  /// the path "/kernels/calc", {"id": "calc"} (percent-decoded).
  std::map<std::string, std::string, std::less<>> params;
  /// The client's IP address ("127.0.0.1", "::1").
  std::string remote_address;
  /// The request's id: the client's X-Request-Id when it sent a usable one
  /// (1 to 128 characters of [A-Za-z0-9._:-]), else a fresh one (32 hex
  /// digits). The response carries it back in X-Request-Id.
  std::string request_id;
  /// Fires when nobody waits for the answer any more (cancellation.hpp);
  /// the server always sets it.
  std::shared_ptr<service::cancellation> cancel;

  /// The value of the first header named `name` (case-insensitive), or empty.
  std::string_view header(std::string_view name) const noexcept;
  /// The value of the route parameter `name`, or empty.
  std::string_view param(std::string_view name) const noexcept;
};

/// A handler's answer.
struct http_response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  /// Extra header fields (Content-Type and Content-Length are set from the
  /// members above).
  std::vector<std::pair<std::string, std::string>> headers;

  /// A JSON body with `status`.
  static http_response json(unsigned status, std::string body);
  /// {"error": code, "message": message} with `status`.
  static http_response error(unsigned status, std::string_view code, std::string_view message);
};

} // namespace ringactor::service
