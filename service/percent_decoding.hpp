// ringactor service (internal): percent-decoding, for path parameters of
// REST routes and for the peer addresses grpc++ writes as URIs.
#pragma once

#include <string>
#include <string_view>

namespace ringactor::service::detail {

/// "%41" -> "A"; a '%' without two hex digits stays as it is.
std::string percent_decoded(std::string_view in);

} // namespace ringactor::service::detail
