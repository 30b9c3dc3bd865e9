// ringactor service: one connection of the HTTP server (http_session.hpp).
// Each session runs on its own strand; an asynchronous answer is posted to
// it, so that the session's state is only ever touched there.
#include "http_session.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <random>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <fmt/format.h>

#include <ringactor/logger.hpp>

namespace ringactor::service::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

/// The client's X-Request-Id if usable (1 to 128 of [A-Za-z0-9._:-]: it is
/// logged and echoed, so nothing that could forge a line or a header).
bool usable_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128)
    return false;
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.'
          || c == '_' || c == ':' || c == '-'))
      return false;
  return true;
}

/// 32 random hex digits (a 128-bit id, as a trace id is).
std::string fresh_request_id() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  char text[33];
  std::snprintf(text, sizeof text, "%016llx%016llx", static_cast<unsigned long long>(gen()),
                static_cast<unsigned long long>(gen()));
  return text;
}

} // namespace

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
      if (self->cancel_)
        self->cancel_->cancel(cancel_reason::server_stop);
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
  request_id_.clear();
  cancel_.reset();
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
  beast::error_code peer_ec;
  auto peer = stream_.socket().remote_endpoint(peer_ec);
  if (!peer_ec)
    req.remote_address = peer.address().to_string();
  auto id = req.header("X-Request-Id");
  req.request_id = usable_request_id(id) ? std::string{id} : fresh_request_id();
  req.cancel = std::make_shared<cancellation>();
  request_id_ = req.request_id;
  cancel_ = req.cancel;
  serve(std::move(req), msg.keep_alive());
}

void session::serve(http_request req, bool keep_alive) {
  auto m = owner_->match(req);
  if (m.entry == nullptr) {
    if (owner_->outer_layers->empty()) {
      send(std::move(m.refusal), keep_alive);
      return;
    }
    // The server's layers see a refused request too (a CORS preflight, the
    // access log); the refusal is the end of its way.
    auto refused = std::make_shared<const layer_chain>(layer_chain{
      owner_->outer_layers,
      {},
      [refusal = std::move(m.refusal)](const http_request&, responder answer) {
        answer(refusal);
      }});
    serve_async(std::move(refused), std::move(req), keep_alive);
    return;
  }
  if (m.entry->chain->size() > 0) {
    if (m.entry->stream || m.entry->ws) {
      admitting_ = m.entry;
      admitting_request_ = req;
    }
    serve_async(m.entry->chain, std::move(req), keep_alive);
    return;
  }
  try {
    if (m.entry->sync) {
      send(m.entry->sync(req), keep_alive);
      return;
    }
    if (m.entry->stream || m.entry->ws) {
      open_stream_route(*m.entry, req, keep_alive, {});
      return;
    }
    awaiting_ = true;
    keep_alive_ = keep_alive;
    m.entry->async(req, make_responder());
    watch_disconnect();
  } catch (const std::exception& e) {
    log_error("service: the handler of {} {} threw: {}", req.method, req.path, e.what());
    // An asynchronous handler's responder, destroyed by the throw, has
    // answered 500 "no_answer" already (posted: it comes after this).
    if (!awaiting_)
      send(http_response::error(500, "internal", "the handler failed (see the server's log)"),
           keep_alive);
  }
}

void session::serve_async(std::shared_ptr<const layer_chain> chain, http_request req,
                          bool keep_alive) {
  awaiting_ = true;
  keep_alive_ = keep_alive;
  auto method = req.method;
  auto path = req.path;
  try {
    // The request is shared: a layer may call next later, from any thread.
    detail::run_chain(std::move(chain), std::make_shared<const http_request>(std::move(req)),
                      make_responder());
    watch_disconnect();
  } catch (const std::exception& e) {
    // The responder, destroyed by the throw, has answered 500 "no_answer".
    log_error("service: a layer or the handler of {} {} threw: {}", method, path, e.what());
  }
}

responder session::make_responder() {
  // The responder holds the session weakly (the server's set owns it): an
  // answer after the connection closed, or after the server stopped and its
  // threads ended, finds nothing and is dropped, and a posted answer that
  // never runs keeps nothing alive.
  return responder{[weak = weak_from_this()](http_response res) {
    auto self = weak.lock();
    if (!self)
      return;
    asio::post(self->stream_.get_executor(), [weak, res = std::move(res)]() mutable {
      if (auto s = weak.lock())
        s->answer(std::move(res));
    });
  }};
}

void session::watch_disconnect() {
  if (!awaiting_ || closed_)
    return;
  // A client that closes its connection makes the socket readable (EOF):
  // peek, so that a pipelined request stays for the next read.
  stream_.socket().async_wait(tcp::socket::wait_read, [self = shared_from_this(),
                                                       cancel = cancel_](beast::error_code ec) {
    if (ec || self->closed_ || !self->awaiting_ || self->cancel_ != cancel)
      return;
    char c = 0;
    auto n = ::recv(self->stream_.socket().native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
      cancel->cancel(cancel_reason::disconnect);
      self->shutdown();
    }
  });
}

void session::answer(http_response res) {
  if (closed_ || !awaiting_)
    return;
  awaiting_ = false;
  if (auto* entry = std::exchange(admitting_, nullptr)) {
    auto req = std::move(*admitting_request_);
    admitting_request_.reset();
    auto admit = std::find_if(res.headers.begin(), res.headers.end(),
                              [](auto& h) { return h.first == admit_header; });
    if (admit != res.headers.end()) {
      // Every layer let it through: open the stream, with the header
      // fields the layers added (CORS, ...).
      res.headers.erase(admit);
      try {
        open_stream_route(*entry, req, keep_alive_, std::move(res.headers));
      } catch (const std::exception& e) {
        log_error("service: the handler of {} {} threw: {}", req.method, req.path, e.what());
        send(http_response::error(500, "internal", "the handler failed (see the server's log)"),
             keep_alive_);
      }
      return;
    }
    // A layer answered itself (401, 429, 504, ...): that is the answer.
  }
  send(std::move(res), keep_alive_);
}

void session::open_stream_route(const route_entry& entry, const http_request& req, bool keep_alive,
                                std::vector<std::pair<std::string, std::string>> extra) {
  if (entry.ws) {
    if (!boost::beast::websocket::is_upgrade(parser_->get())) {
      auto r = http_response::error(426, "upgrade_required",
                                    fmt::format("{} speaks WebSocket only", req.path));
      r.headers.emplace_back("Upgrade", "websocket");
      send(std::move(r), keep_alive);
      return;
    }
    auto reply = entry.ws(req, std::make_shared<ws_handle>(weak_from_this()));
    if (auto* res = std::get_if<http_response>(&reply))
      send(std::move(*res), keep_alive);
    else
      start_ws(std::move(std::get<ws_start>(reply)));
    return;
  }
  auto reply = entry.stream(req, std::make_shared<stream_handle>(weak_from_this()));
  if (auto* res = std::get_if<http_response>(&reply)) {
    send(std::move(*res), keep_alive);
    return;
  }
  auto start = std::move(std::get<stream_start>(reply));
  for (auto& h : extra)
    start.headers.push_back(std::move(h));
  start_stream(std::move(start));
}

void session::send(http_response res, bool keep_alive) {
  keep_alive = keep_alive && !owner_->stopping.load(std::memory_order_acquire);
  auto out = std::make_shared<http::response<http::string_body>>();
  out->version(11);
  out->result(res.status);
  out->set(http::field::server, "ringactor-server");
  if (!res.content_type.empty()) // a 204 (a CORS preflight's answer) has none
    out->set(http::field::content_type, res.content_type);
  for (auto& [key, value] : res.headers)
    out->insert(key, value);
  if (!request_id_.empty())
    out->set("X-Request-Id", request_id_);
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
  if (awaiting_ && cancel_)
    cancel_->cancel(cancel_reason::disconnect); // the answer has nowhere to go
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
