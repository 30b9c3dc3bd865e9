// ringactor service: the one-shot answer of an asynchronous route
// (http_server::route_async). A handler takes the responder, hands the work
// to an actor and returns at once; whoever finishes the work answers through
// it, from any thread:
//
//   server.route_async("POST", "/kernels/{id}/{message}",
//                      [](const service::http_request& req, service::responder answer) {
//     start_work(req.param("id"), [answer = std::move(answer)](std::string out) mutable {
//       answer(service::http_response::json(200, std::move(out)));
//     });
//   });
//
// The answer is posted to the connection's executor; the calling thread
// never waits for the network. The first answer counts and later ones are
// ignored. A responder destroyed without answering answers 500
// {"error":"no_answer"}, so no request hangs. A connection closed meanwhile
// (client gone, server stopped) drops the answer.
#pragma once

#include <functional>
#include <utility>

#include "ringactor/service/http_message.hpp"

namespace ringactor::service {

class responder {
public:
  /// Posts a response to its connection (http_server makes these).
  using deliver_fn = std::function<void(http_response)>;

  /// A responder that answers nothing (answered() is true).
  responder() = default;
  explicit responder(deliver_fn deliver) noexcept : deliver_(std::move(deliver)) {}

  responder(responder&& other) noexcept : deliver_(std::exchange(other.deliver_, nullptr)) {}
  responder& operator=(responder&& other) noexcept;
  responder(const responder&) = delete;
  responder& operator=(const responder&) = delete;

  /// Answers 500 "no_answer" unless answered.
  ~responder();

  /// Sends `res` (the first call; later calls do nothing). Not for two
  /// threads at once on one responder: it has one owner.
  void operator()(http_response res);

  /// True once it answered (or was moved from, or made empty).
  bool answered() const noexcept { return !deliver_; }

private:
  deliver_fn deliver_; // empty once answered
};

} // namespace ringactor::service
