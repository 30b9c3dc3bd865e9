// ringactor service: layers for the routes under one path prefix. The
// layer runs `layers` (in order, after the layers before it) for a request
// whose path is `prefix` or lies under it, and passes every other request
// straight on; so a server-wide use() gives a group of routes limits of
// their own, in addition to the server's:
//
//   server.use(service::under_prefix("/kernels/slow", {
//     service::concurrency_limit({.max_in_flight = 4}),
//     service::request_timeout(std::chrono::seconds{2}),
//   }));
//
// "/kernels/slow" covers "/kernels/slow" and "/kernels/slow/x.y", not
// "/kernels/slower"; a prefix that ends in '/' covers what starts with it.
// ringactor-server builds these from its [routes.NAME] tables
// (server_schema.hpp).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ringactor/service/middleware.hpp"

namespace ringactor::service {

/// True if `prefix` covers `path` (above).
bool prefix_covers(std::string_view prefix, std::string_view path) noexcept;

/// The layer (above); throws std::invalid_argument for a prefix that does
/// not start with '/'.
layer under_prefix(std::string prefix, std::vector<layer> layers);

} // namespace ringactor::service
