// ringactor service: the CORS layer (layers/cors.hpp).
#include "ringactor/service/layers/cors.hpp"

#include <algorithm>
#include <memory>

namespace ringactor::service {

layer cors(cors_options options) {
  auto o = std::make_shared<const cors_options>(std::move(options));
  bool any = std::find(o->origins.begin(), o->origins.end(), "*") != o->origins.end();
  return [o, any](const http_request& req, responder answer, next_layer next) {
    auto origin = req.header("Origin");
    bool allowed = !origin.empty()
                   && (any
                       || std::find(o->origins.begin(), o->origins.end(), origin)
                            != o->origins.end());
    std::string allow_origin = any ? "*" : std::string{origin};
    if (allowed && req.method == "OPTIONS"
        && !req.header("Access-Control-Request-Method").empty()) {
      http_response res;
      res.status = 204;
      res.content_type.clear();
      res.headers = {{"Access-Control-Allow-Origin", allow_origin},
                     {"Access-Control-Allow-Methods", o->methods},
                     {"Access-Control-Allow-Headers", o->headers},
                     {"Access-Control-Max-Age", std::to_string(o->max_age.count())}};
      if (!any)
        res.headers.emplace_back("Vary", "Origin");
      answer(std::move(res));
      return;
    }
    next(wrap(std::move(answer), [allowed, any, allow_origin](http_response& res) {
      if (allowed) {
        res.headers.emplace_back("Access-Control-Allow-Origin", allow_origin);
        res.headers.emplace_back("Access-Control-Expose-Headers", "X-Request-Id, Retry-After");
      }
      if (!any)
        res.headers.emplace_back("Vary", "Origin");
    }));
  };
}

} // namespace ringactor::service
