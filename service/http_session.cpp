// ringactor service: one connection of the HTTP server (http_session.hpp).
// Each session runs on its own strand; an asynchronous answer is posted to
// it, so that the session's state is only ever touched there.
#include "http_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <fmt/format.h>

#include <ringactor/logger.hpp>

namespace ringactor::service::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

void session::start(bool over_limit) {
  if (over_limit) {
    send(http_response::error(503, "too_many_connections",
                              fmt::format("the server holds {} connections, its max_connections",
                                          owner_->options.max_connections)),
         false);
    return;
  }
  read();
}

void session::close_if_idle() {
  asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
    if (!self->busy_)
      self->shutdown();
    else if (self->streaming_)
      self->end_stream();
    else if (self->ws_)
      self->ws_close(boost::beast::websocket::close_code::going_away);
  });
}

void session::force_close() {
  asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
    if (self->awaiting_ && !self->closed_) {
      self->awaiting_ = false;
      self->send(http_response::error(503, "shutting_down",
                                      "the server stopped before the answer came"),
                 false);
      return;
    }
    self->shutdown();
  });
}

void session::read() {
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(owner_->options.max_header_bytes));
  parser_->body_limit(owner_->options.max_body_bytes);
  // The read's deadline is a timer of our own, not the stream's expiry
  // (which closes the socket): a late request still gets its 408.
  stream_.expires_never();
  timed_out_ = false;
  read_timer_.expires_after(owner_->options.read_timeout);
  read_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec && !self->closed_) {
      self->timed_out_ = true;
      beast::error_code ignored;
      self->stream_.socket().cancel(ignored);
    }
  });
  busy_ = false;
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code ec, std::size_t) {
                     self->on_read(ec);
                   });
}

void session::on_read(beast::error_code ec) {
  busy_ = true;
  read_timer_.cancel();
  if (timed_out_ && ec == asio::error::operation_aborted)
    ec = beast::error::timeout;
  if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted
      || ec == asio::error::connection_reset || ec == asio::error::eof) {
    shutdown();
    return;
  }
  if (ec == beast::error::timeout) {
    // Nothing of a request came: an idle keep-alive connection. Part of
    // one: the client is too slow.
    if (parser_->got_some())
      send(http_response::error(408, "request_timeout",
                                "the request did not arrive within read_timeout"),
           false);
    else
      shutdown();
    return;
  }
  if (ec == http::error::header_limit) {
    send(http_response::error(431, "header_too_large",
                              fmt::format("the header block is larger than {} bytes",
                                          owner_->options.max_header_bytes)),
         false);
    return;
  }
  if (ec == http::error::body_limit) {
    send(http_response::error(413, "body_too_large",
                              fmt::format("the body is larger than {} bytes",
                                          owner_->options.max_body_bytes)),
         false);
    return;
  }
  if (ec) {
    send(http_response::error(400, "bad_request",
                              fmt::format("malformed HTTP request: {}", ec.message())),
         false);
    return;
  }
  auto& msg = parser_->get();
  http_request req;
  req.method = std::string{msg.method_string()};
  auto target = std::string_view{msg.target().data(), msg.target().size()};
  auto q = target.find('?');
  req.path = std::string{target.substr(0, q)};
  if (q != std::string_view::npos)
    req.query = std::string{target.substr(q + 1)};
  for (auto& field : msg)
    req.headers.emplace_back(std::string{field.name_string()}, std::string{field.value()});
  req.body = std::move(msg.body());
  serve(std::move(req), msg.keep_alive());
}

void session::serve(http_request req, bool keep_alive) {
  auto m = owner_->match(req);
  if (m.entry == nullptr) {
    send(std::move(m.refusal), keep_alive);
    return;
  }
  try {
    if (m.entry->sync) {
      send(m.entry->sync(req), keep_alive);
      return;
    }
    if (m.entry->ws) {
      if (!boost::beast::websocket::is_upgrade(parser_->get())) {
        auto r = http_response::error(426, "upgrade_required",
                                      fmt::format("{} speaks WebSocket only", req.path));
        r.headers.emplace_back("Upgrade", "websocket");
        send(std::move(r), keep_alive);
        return;
      }
      auto reply = m.entry->ws(req, std::make_shared<ws_handle>(weak_from_this()));
      if (auto* res = std::get_if<http_response>(&reply))
        send(std::move(*res), keep_alive);
      else
        start_ws(std::move(std::get<ws_start>(reply)));
      return;
    }
    if (m.entry->stream) {
      auto reply = m.entry->stream(req, std::make_shared<stream_handle>(weak_from_this()));
      if (auto* res = std::get_if<http_response>(&reply))
        send(std::move(*res), keep_alive);
      else
        start_stream(std::move(std::get<stream_start>(reply)));
      return;
    }
    awaiting_ = true;
    keep_alive_ = keep_alive;
    // The responder holds the session weakly (the server's set owns it):
    // an answer after the connection closed, or after the server stopped
    // and its threads ended, finds nothing and is dropped, and a posted
    // answer that never runs keeps nothing alive.
    responder r{[weak = weak_from_this()](http_response res) {
      auto self = weak.lock();
      if (!self)
        return;
      asio::post(self->stream_.get_executor(), [weak, res = std::move(res)]() mutable {
        if (auto s = weak.lock())
          s->answer(std::move(res));
      });
    }};
    m.entry->async(req, std::move(r));
  } catch (const std::exception& e) {
    log_error("service: the handler of {} {} threw: {}", req.method, req.path, e.what());
    // An asynchronous handler's responder, destroyed by the throw, has
    // answered 500 "no_answer" already (posted: it comes after this).
    if (!awaiting_)
      send(http_response::error(500, "internal", "the handler failed (see the server's log)"),
           keep_alive);
  }
}

void session::answer(http_response res) {
  if (closed_ || !awaiting_)
    return;
  awaiting_ = false;
  send(std::move(res), keep_alive_);
}

void session::send(http_response res, bool keep_alive) {
  keep_alive = keep_alive && !owner_->stopping.load(std::memory_order_acquire);
  auto out = std::make_shared<http::response<http::string_body>>();
  out->version(11);
  out->result(res.status);
  out->set(http::field::server, "ringactor-server");
  out->set(http::field::content_type, res.content_type);
  for (auto& [key, value] : res.headers)
    out->insert(key, value);
  out->body() = std::move(res.body);
  out->keep_alive(keep_alive);
  out->prepare_payload();
  stream_.expires_after(owner_->options.read_timeout);
  http::async_write(
    stream_, *out, [self = shared_from_this(), out, keep_alive](beast::error_code ec, std::size_t) {
      if (ec || !keep_alive || self->owner_->stopping.load(std::memory_order_acquire)) {
        self->shutdown();
        return;
      }
      self->read();
    });
}

void session::shutdown() {
  if (closed_)
    return;
  closed_ = true;
  awaiting_ = false;
  read_timer_.cancel();
  stream_closed();
  ws_closed();
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.close();
  owner_->remove(shared_from_this());
}

} // namespace ringactor::service::detail
