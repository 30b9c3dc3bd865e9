// ringactor service: layers for the routes under one path prefix
// (layers/route_prefix.hpp).
#include "ringactor/service/layers/route_prefix.hpp"

#include <memory>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

namespace ringactor::service {

bool prefix_covers(std::string_view prefix, std::string_view path) noexcept {
  if (!path.starts_with(prefix))
    return false;
  return path.size() == prefix.size() || prefix.ends_with('/') || path[prefix.size()] == '/';
}

layer under_prefix(std::string prefix, std::vector<layer> layers) {
  if (!prefix.starts_with('/'))
    throw std::invalid_argument{
      fmt::format("a route prefix must start with '/', found \"{}\"", prefix)};
  auto inner = std::make_shared<const std::vector<layer>>(std::move(layers));
  return [prefix = std::move(prefix), inner](const http_request& req, responder answer,
                                             next_layer next) {
    if (inner->empty() || !prefix_covers(prefix, req.path)) {
      next(std::move(answer));
      return;
    }
    // The prefix's layers run as a chain of their own whose end goes on
    // with `next` (the layers after this one, then the route's handler).
    auto rest = std::make_shared<const next_layer>(std::move(next));
    auto chain = std::make_shared<detail::layer_chain>();
    chain->outer = inner;
    chain->handler = [rest](const http_request&, responder a) { (*rest)(std::move(a)); };
    // `req` lives as long as `rest` (a next_layer holds its request): the
    // chain shares that ownership instead of copying the request.
    std::shared_ptr<const http_request> request{rest, &req};
    detail::run_chain(std::move(chain), std::move(request), std::move(answer));
  };
}

} // namespace ringactor::service
