// ringactor service: the bearer-token authentication layer. A request
// needs "Authorization: Bearer <token>" with a configured token: none, or
// an unknown one, is answered 401 {"error":"unauthenticated"} with
// WWW-Authenticate: Bearer; a known token that may not use the path is
// answered 403 {"error":"permission_denied"}. Open paths (health probes,
// metrics) pass without a token.
//
// Tokens are kept as SHA-256 digests and compared digest against digest
// with CRYPTO_memcmp, against every configured token: the time taken says
// nothing about how much of a token matched, nor about its length.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <ringactor/expected.hpp>

#include "ringactor/service/middleware.hpp"

namespace ringactor::service {

/// One accepted token and the paths it may use.
struct bearer_token {
  std::string token;
  /// Path prefixes, each a whole number of segments ("/kernels" allows
  /// "/kernels" and "/kernels/adder", not "/kernelsx"); empty: every path.
  std::vector<std::string> paths;
};

struct bearer_auth_options {
  std::vector<bearer_token> tokens;
  /// Paths (same prefix rule) that need no token.
  std::vector<std::string> open_paths{"/health", "/metrics"};
};

/// Parses a token list as configuration writes it: entries separated by
/// ',', each "TOKEN" (every path) or "TOKEN:/prefix|/other" (those paths
/// only); blanks around entries are ignored. An empty token, a token with
/// a character outside RFC 6750's b64token, or a prefix without a leading
/// '/' is an error (sec::invalid_argument) naming the entry's position,
/// never the token.
expected<std::vector<bearer_token>> parse_bearer_tokens(std::string_view text);

/// Splits "a, b,c" into {"a", "b", "c"} (blank entries dropped).
std::vector<std::string> split_list(std::string_view text);

/// True if `path` is `prefix` or lies below it (whole segments).
bool path_within(std::string_view path, std::string_view prefix) noexcept;

/// A bearer-auth layer (above). Throws std::invalid_argument when no token
/// is given (a layer that admits nobody is a configuration mistake).
layer bearer_auth(bearer_auth_options options);

} // namespace ringactor::service
