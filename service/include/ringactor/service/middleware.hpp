// ringactor service: middleware layers. A layer sees a request and the
// responder of its answer before the route's handler does, and either
// answers itself (401, 429, a preflight's 204) or calls next, possibly with
// a responder of its own that sees the answer on its way back (to add a
// header, to time the request, to release a slot):
//
//   service::layer stamp = [](const service::http_request& req, service::responder answer,
//                             service::next_layer next) {
//     next(service::wrap(std::move(answer), [](service::http_response& res) {
//       res.headers.emplace_back("X-Stamp", "1");
//     }));
//   };
//   server.use(stamp);                                 // every request
//   server.route("GET", "/x", handler, {auth_layer});  // this route only
//
// Layers compose in order: the server's (use(), in the order given) run
// first, then the route's, then the handler. The server's layers see every
// request, also those that end in 404 or 405 (so that a CORS preflight or
// an access log sees them); a route's layers see only that route's.
//
// A layer knows nothing of the transport: it sees http_request, responder
// and http_response only, so that the same layer objects can serve another
// protocol's calls. next may be called later and from any thread (it keeps
// the request alive); a layer that neither answers nor calls next has its
// responder answer 500 "no_answer" when it drops it.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "ringactor/service/http_message.hpp"
#include "ringactor/service/responder.hpp"

namespace ringactor::service {

namespace detail {
struct layer_chain;
} // namespace detail

/// The rest of a request's way: the layers after this one, then the handler.
class next_layer {
public:
  next_layer(std::shared_ptr<const detail::layer_chain> chain, std::size_t index,
             std::shared_ptr<const http_request> request) noexcept
    : chain_(std::move(chain)), index_(index), request_(std::move(request)) {}

  /// Passes the request on; `answer` receives what comes back.
  void operator()(responder answer) const;

private:
  std::shared_ptr<const detail::layer_chain> chain_;
  std::size_t index_;
  std::shared_ptr<const http_request> request_;
};

/// A layer: a lambda or an object with this call operator. It is shared by
/// every request (and every network thread) at once, so its state must be
/// thread-safe; copies of a built-in layer share their state.
using layer = std::function<void(const http_request&, responder, next_layer)>;

/// A responder that lets `edit` change the response, then answers through
/// `inner` (the usual way to see or modify an answer on its way back).
responder wrap(responder inner, std::function<void(http_response&)> edit);

namespace detail {

/// The handler at the end of a chain: a route's, or one that answers a
/// 404/405 refusal.
using chain_end = std::function<void(const http_request&, responder)>;

/// A route's layers: the server's (shared by all routes), the route's own,
/// then its handler.
struct layer_chain {
  std::shared_ptr<const std::vector<layer>> outer;
  std::vector<layer> inner;
  chain_end handler;

  std::size_t size() const noexcept { return (outer ? outer->size() : 0) + inner.size(); }
  const layer& at(std::size_t i) const {
    auto n = outer ? outer->size() : 0;
    return i < n ? (*outer)[i] : inner[i - n];
  }
};

/// Runs `chain` for `request` from its first layer.
void run_chain(std::shared_ptr<const layer_chain> chain,
               std::shared_ptr<const http_request> request, responder answer);

} // namespace detail

} // namespace ringactor::service
